-- wrk script: renew (PUT) 1000 registered instances in turn, as their heartbeats do: Eureka's Java client sends
-- status and lastDirtyTimestamp on every heartbeat (DiscoveryClient.renew → AbstractJerseyEurekaHttpClient.sendHeartBeat).
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("PUT", "/eureka/apps/BENCH/i" .. (counter % 1000) .. "?status=UP&lastDirtyTimestamp=1700000000000")
end
