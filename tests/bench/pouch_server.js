// The PouchDB peer's server: express-pouchdb on pouchdb-node (LevelDB), on loopback.
// Counts requests and the bytes every socket read and wrote (HTTP as on the wire).
// Usage: node pouch_server.js <dir> <port>
const fs = require("fs");
const path = require("path");
const express = require("express");
const PouchDB = require("pouchdb-node");

const [dir, port] = process.argv.slice(2);
fs.mkdirSync(path.join(dir, "server"), { recursive: true });
const Pouch = PouchDB.defaults({ prefix: path.join(dir, "server") + path.sep });
const app = express();
let requests = 0;
let closedBytes = 0;
let baseBytes = 0;
const sockets = new Set();

app.get("/_bench/reset", (req, res) => {
  requests = 0;
  baseBytes = closedBytes + [...sockets].reduce((a, s) => a + s.bytesRead + s.bytesWritten, 0);
  res.json({ ok: true });
});
app.get("/_bench/stats", (req, res) => {
  const open = [...sockets].reduce((a, s) => a + s.bytesRead + s.bytesWritten, 0);
  res.json({ requests, bytes: closedBytes + open - baseBytes });
});
app.use((req, res, next) => {
  requests += 1;
  next();
});
app.use(
  "/",
  require("express-pouchdb")(Pouch, {
    mode: "minimumForPouchDB",
    logPath: path.join(dir, "express-pouchdb.log"),
  }),
);
const server = app.listen(Number(port), "127.0.0.1", () => console.log("ready"));
server.on("connection", (sock) => {
  sockets.add(sock);
  sock.on("close", () => {
    closedBytes += sock.bytesRead + sock.bytesWritten;
    sockets.delete(sock);
  });
});
