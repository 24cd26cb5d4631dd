import { createServer } from "node:http";
import { Webhook } from "standardwebhooks";

const wh = new Webhook(process.env.TIXALLO_WEBHOOK_SECRET); // "whsec_…"

const server = createServer((req, res) => {
  if (req.method !== "POST" || req.url !== "/tixallo") {
    res.writeHead(404).end();
    return;
  }
  // Verify the raw body: re-encoded JSON would no longer match.
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", () => {
    let event;
    try {
      event = wh.verify(Buffer.concat(chunks).toString("utf8"), req.headers);
    } catch (err) {
      res.writeHead(401).end("bad signature");
      return;
    }
    console.log(event.event_type, event.event_id);
    res.writeHead(204).end();
  });
});

// HOST unset listens on every interface.
server.listen(Number(process.env.PORT ?? 8000), process.env.HOST, () => {
  console.log(`listening on port ${server.address().port}`);
});
