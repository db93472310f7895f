/**
 * The fleet page (`GET /fleet`): one tile per caller → service edge, as the Hystrix dashboard shows one per
 * command, refreshed twice a second from `GET /outrigger/fleet` (the token in the page's query string is passed on).
 * Each tile carries `data-edge="CALLER→service"`, `data-error-pct` and `data-breaker` (`open` when any process's
 * breaker is open, else `half-open`, else `closed`) for scripts and tests. Text goes in with `textContent` only.
 */
export const FLEET_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Outrigger fleet</title>
<style>
body{font:14px system-ui,sans-serif;margin:1.5rem;color:#222}h1{font-size:1.3rem}
#edges{display:flex;flex-wrap:wrap;gap:.75rem}
.edge{border:1px solid #ccc;border-radius:6px;padding:.6rem .8rem;min-width:15rem;background:#f7fff7}
.edge.warn{background:#fffbe6}.edge.bad{background:#fff0f0}
.edge h2{font-size:1rem;margin:0 0 .4rem}.edge .err{font-size:1.6rem;font-weight:600}
.breaker{font-weight:600}.breaker.open{color:#b00}.breaker.half-open{color:#a60}.breaker.closed{color:#080}
small{color:#666}table{border-collapse:collapse;margin-top:1rem}td,th{border-bottom:1px solid #ddd;padding:.2rem .5rem;text-align:left}
</style></head><body>
<h1>Outrigger fleet <small id="conn">connecting…</small> <small><a href="./">registry</a></small></h1>
<div id="edges"></div>
<h2 style="font-size:1.05rem">Processes</h2>
<table><thead><tr><th>Process</th><th>Stream</th><th>Error</th></tr></thead><tbody id="procs"></tbody></table>
<script>
function el(tag, cls, text){var e=document.createElement(tag);if(cls)e.className=cls;if(text!==undefined)e.textContent=String(text);return e;}
function breaker(b){return b.open?"open":b["half-open"]?"half-open":"closed";}
function tile(e){
  var t=el("div","edge"), state=breaker(e.breakers);
  t.dataset.edge=e.caller+"→"+e.service;t.dataset.errorPct=String(e.errorPct);t.dataset.breaker=state;
  if(state==="open"||e.errorPct>=50)t.className+=" bad";else if(state==="half-open"||e.errorPct>=5)t.className+=" warn";
  t.appendChild(el("h2",null,e.caller+" → "+e.service));
  var err=el("div","err",e.errorPct+" %");t.appendChild(err);
  t.appendChild(el("div","rps",e.rps+" calls/s · "+e.processes+" process"+(e.processes===1?"":"es")));
  t.appendChild(el("div","lat","p50 "+e.p50Ms+" ms · p99 "+e.p99Ms+" ms"));
  var b=el("div",null,"breaker ");b.appendChild(el("span","breaker "+state,state.toUpperCase()));
  b.appendChild(el("small",null," ("+e.breakers.open+" open, "+e.breakers["half-open"]+" half-open, "+e.breakers.closed+" closed)"));
  t.appendChild(b);
  t.appendChild(el("div","ejected","ejected: "+(e.ejected.length?e.ejected.join(", "):"none")));
  if(e.budget!==undefined)t.appendChild(el("div","budget","retry budget: "+e.budget));
  return t;
}
function render(v){
  var edges=document.getElementById("edges");edges.replaceChildren.apply(edges,v.edges.map(tile));
  var procs=document.getElementById("procs");
  procs.replaceChildren.apply(procs,v.processes.map(function(p){var tr=el("tr");
    tr.appendChild(el("td",null,p.key));tr.appendChild(el("td",null,p.live?"live":"down"));
    tr.appendChild(el("td",null,p.error?p.error.code+": "+p.error.message:""));return tr;}));
  document.getElementById("conn").textContent="live — "+v.processes.length+" process"+(v.processes.length===1?"":"es")+(v.skipped?", "+v.skipped+" skipped":"");
}
function poll(){
  fetch("outrigger/fleet"+location.search,{headers:{accept:"application/json"}})
    .then(function(r){if(!r.ok)throw new Error("HTTP "+r.status);return r.json();})
    .then(render,function(e){document.getElementById("conn").textContent="retrying… ("+e.message+")";})
    .then(function(){setTimeout(poll,500);});
}
poll();
</script></body></html>`;
