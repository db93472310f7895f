/**
 * The dashboard's single page. It renders the state pushed by `GET /outrigger/events` (server-sent events), so it
 * updates live without a reload. Text is inserted with `textContent`, never as HTML, so metadata cannot inject markup.
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Outrigger registry</title>
<style>
body{font:14px system-ui,sans-serif;margin:1.5rem;color:#222}h1{font-size:1.3rem}h2{font-size:1.05rem;margin-top:1.5rem}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
.UP{color:#080}.DOWN,.OUT_OF_SERVICE{color:#b00}.STARTING,.UNKNOWN{color:#a60}#sp.on{background:#fee;padding:.5rem}#sp{padding:.5rem;background:#efe}
code{font-size:12px}
</style></head><body>
<h1>Outrigger registry <small id="conn">connecting…</small> <small><a id="fleet" href="fleet">fleet</a></small></h1>
<div id="sp"></div>
<h2>Applications</h2>
<table><thead><tr><th>Application</th><th>Instance</th><th>Status</th><th>Zone</th><th>Lease age</th><th>Last renew</th><th>Metadata</th></tr></thead><tbody id="apps"></tbody></table>
<h2>Peers</h2>
<table><thead><tr><th>Peer</th><th>Healthy</th><th>Pending</th><th>Lag</th><th>Failures</th><th>Last error</th></tr></thead><tbody id="peers"></tbody></table>
<h2>Traffic policies</h2>
<table><thead><tr><th>Service</th><th>Revision</th><th>Process</th><th>Runs</th><th>Report</th><th>Reason</th></tr></thead><tbody id="policies"></tbody></table>
<h2>Last events</h2>
<table><thead><tr><th>Time</th><th>Event</th><th>Application</th><th>Instance</th><th>Origin</th></tr></thead><tbody id="events"></tbody></table>
<script>
function row(cells, cls){var tr=document.createElement("tr");cells.forEach(function(c,i){var td=document.createElement("td");td.textContent=String(c);if(cls&&cls[i])td.className=cls[i];tr.appendChild(td);});return tr;}
function fill(id, rows){var el=document.getElementById(id);el.replaceChildren.apply(el, rows);}
function secs(ms){return Math.round(ms/1000)+" s";}
function render(s){
  var sp=s.selfPreservation, el=document.getElementById("sp");
  el.className=sp.active?"on":"";
  el.textContent="Self-preservation: "+(sp.enabled?(sp.active?"ACTIVE":"inactive"):"disabled")+" — renews last minute "+sp.renewsLastMinute+", threshold "+sp.threshold+", expected "+sp.expectedRenewsPerMinute+" — "+sp.reason+" — evictions "+s.evictions+(s.eviction.lastRun&&s.eviction.lastRun.protectedApps.length?" — protected by the "+s.eviction.protectionThreshold+" threshold: "+s.eviction.lastRun.protectedApps.join(", "):"");
  var rows=[];
  Object.keys(s.instances).sort().forEach(function(key){var i=s.instances[key];
    var md=Object.keys(i.metadata).map(function(k){return k+"="+i.metadata[k];}).join(", ");
    var tr=row([i.app,i.instanceId,i.status,i.zone,secs(s.now-i.registeredAt),new Date(i.lastRenewedAt).toISOString(),md],[null,null,i.status]);
    tr.dataset.instance=i.instanceId;rows.push(tr);});
  fill("apps",rows);
  fill("peers",s.peers.map(function(p){return row([p.url,p.healthy?"yes":"no",p.pending,secs(p.lagMs),p.failures,p.lastError||""]);}));
  var pr=[];(s.policies||[]).forEach(function(p){if(!p.processes.length)pr.push(row([p.service,p.revision,"","","",""]));
    p.processes.forEach(function(r){pr.push(row([p.service,p.revision,r.process,r.revision,r.status,r.reason||""],[null,null,null,null,r.status==="NACK"?"DOWN":null]));});
    if(p.total>p.processes.length)pr.push(row([p.service,p.revision,"+"+(p.total-p.processes.length)+" more","","",""]));});
  if(s.policyServices>(s.policies||[]).length)pr.push(row(["+"+(s.policyServices-s.policies.length)+" more services (NACKs and services behind are listed first)","","","","",""]));
  fill("policies",pr);
  fill("events",s.events.map(function(e){return row([new Date(e.at).toISOString(),e.what,e.app,e.instanceId,e.origin]);}));
}
document.getElementById("fleet").search=location.search;
var source=new EventSource("outrigger/events"+location.search);
var state;
source.addEventListener("state",function(m){var s=JSON.parse(m.data);s.instances={};
  s.applications.forEach(function(a){a.instances.forEach(function(i){i.app=a.name;s.instances[a.name+"/"+i.instanceId]=i;});});
  state=s;document.getElementById("conn").textContent="live";render(state);});
source.addEventListener("diff",function(m){if(!state)return;var d=JSON.parse(m.data);
  Object.keys(d.instances).forEach(function(k){if(d.instances[k]===null)delete state.instances[k];else state.instances[k]=d.instances[k];});
  delete d.instances;Object.assign(state,d);render(state);});
source.onerror=function(){document.getElementById("conn").textContent="reconnecting…";};
</script></body></html>`;
