// The debugger's live updates: ask for rows newer than the last one shown, every second, and put them
// on top. The server renders (and escapes) the rows; this script only places them. Written for fssim.
"use strict";
(function () {
  const table = document.getElementById("events");
  if (!table) { return; }
  const body = table.tBodies[0];
  const live = document.getElementById("live");
  let last = Number(table.dataset.last || "0");
  let busy = false;

  async function poll() {
    if (busy) { return; }
    busy = true;
    try {
      const answer = await fetch("/ui/segment/debugger/rows?after=" + last, { headers: { "Accept": "text/html" } });
      if (!answer.ok) { throw new Error("status " + answer.status); }
      const html = (await answer.text()).trim();
      const newest = Number(answer.headers.get("X-Last-Event") || last);
      if (html && newest > last) {
        const holder = document.createElement("tbody");
        holder.innerHTML = html;  // server-rendered with autoescape: message data arrives as text
        const rows = Array.from(holder.rows);
        rows.forEach(function (row) { row.classList.add("fresh"); });
        body.prepend.apply(body, rows);
        last = newest;
        live.textContent = rows.length + " new event(s).";
      }
    } catch (error) {
      live.textContent = "Live updates paused: " + error.message;
    } finally {
      busy = false;
    }
  }
  setInterval(poll, 1000);
})();
