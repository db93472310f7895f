-- wrk script: renew (PUT) 1000 registered instances in turn, as their heartbeats would.
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("PUT", "/eureka/apps/BENCH/i" .. (counter % 1000))
end
