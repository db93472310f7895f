import http from "node:http";
import express from "express";
import { adapterSuite } from "./framework-suite.js";

adapterSuite("express", async (inbound, held) => {
  const app = express();
  app.use(inbound.express());
  app.get("/", (_req, res) => {
    res.send("ok");
  });
  app.get("/hold", (_req, res) => {
    void held.park().then(() => res.send("held"));
  });
  return http.createServer(app);
});
