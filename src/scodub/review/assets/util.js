/* scodub review: small helpers of the page (elements, clock times, SRT and WebVTT text).
 * Part of scodub (MIT). */
"use strict";

const ScodubUtil = (() => {
  const pad = (n, w = 2) => String(n).padStart(w, "0");
  function clock(ms, sep = ".") {
    ms = Math.max(0, Math.round(ms));
    const h = Math.floor(ms / 3600000), m = Math.floor(ms / 60000) % 60;
    const s = Math.floor(ms / 1000) % 60;
    return `${pad(h)}:${pad(m)}:${pad(s)}${sep}${pad(ms % 1000, 3)}`;
  }
  function parseClock(text) {
    const m = /^\s*(\d+):(\d{1,2}):(\d{1,2})[.,](\d{1,3})\s*$/.exec(text);
    if (!m) return null;
    return ((+m[1] * 60 + +m[2]) * 60 + +m[3]) * 1000 + +m[4].padEnd(3, "0");
  }
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else node.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children) if (c !== null && c !== undefined) node.append(c);
    return node;
  }

  // The same text as scodub.review.page.compose_vtt writes; vttLine: the page's
  // ScodubQC checker's (markup as WebVTT's own or left out, the rest escaped).
  function composeVtt(cells, vttLine) {
    const blocks = ["WEBVTT", ""];
    cells.forEach(([a, b, text], k) => {
      const lines = text.split("\n").map(vttLine).filter((l) => l.trim());
      blocks.push(String(k + 1), `${clock(a)} --> ${clock(b)}`, lines.join("\n") || " ", "");
    });
    return blocks.join("\n");
  }

  // SRT as scodub.text.srt.compose_srt writes it (blank lines dropped: read_srt refuses them).
  function composeSrt(cells) {
    return cells.map(([a, b, text], k) =>
      `${k + 1}\n${clock(a, ",")} --> ${clock(b, ",")}\n${text.split("\n").filter((l) => l.trim()).join("\n")}\n`).join("\n");
  }
  return { clock, parseClock, el, composeVtt, composeSrt };
})();
