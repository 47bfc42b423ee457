// The PouchDB peer's client: load the documents into a local PouchDB (untimed),
// then time one replication to the server over loopback.
// Usage: node pouch_replicate.js <dir> <docs.jsonl> <target-url> <batch-size>
const fs = require("fs");
const path = require("path");
const PouchDB = require("pouchdb-node");

async function main() {
  const [dir, docsFile, target, batch] = process.argv.slice(2);
  const local = new PouchDB(path.join(dir, "client-source"));
  const lines = fs.readFileSync(docsFile, "utf8").split("\n").filter(Boolean);
  const docs = lines.map((line) => JSON.parse(line));
  for (let i = 0; i < docs.length; i += 1000) {
    await local.bulkDocs(docs.slice(i, i + 1000));
  }
  const remote = new PouchDB(target);
  await remote.info(); // creates the database
  await fetch(new URL("/_bench/reset", target));
  const started = process.hrtime.bigint();
  const result = await PouchDB.replicate(local, remote, {
    batch_size: Number(batch),
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const stats = await (await fetch(new URL("/_bench/stats", target))).json();
  const info = await remote.info();
  console.log(
    JSON.stringify({
      seconds,
      docs_written: result.docs_written,
      doc_count: info.doc_count,
      requests: stats.requests,
      bytes: stats.bytes,
      ok: result.ok,
    }),
  );
}

main().catch((err) => {
  console.error(err && err.stack ? err.stack : String(err));
  process.exit(1);
});
