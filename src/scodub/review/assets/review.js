/* scodub review page: the film with every subtitle track and dub, the waveform strip
 * with the cue boxes, and the grid (one row per cue, one column per language) that
 * editors filter, read and edit. Data: window.SCODUB_REVIEW (data.js, written by
 * scodub.review.page). Rows are rendered only while visible, so a two-hour film in
 * eleven languages opens and scrolls like a short one. Part of scodub (MIT). */
"use strict";

(() => {
  const D = window.SCODUB_REVIEW;
  const QC = ScodubQC.create(D.qc, D.unicode);
  const Terms = D.glossary ? ScodubTerms.create(D.glossary) : null;
  // glossary marks of a cell, found again after an edit (marks.js)
  const { termCounts, termsNode, remark, textNode } = ScodubMarks.create({ D, QC, Terms, columns: D.columns, el: ScodubUtil.el });
  const speakersOf = (i) => (D.speakers && D.speakers[i]) || [];
  const ROW_H = 150; // px: every row the same height, so a row's place is index * ROW_H
  const OVERSCAN = 4;
  const served = location.protocol === "http:" || location.protocol === "https:";
  const $ = (id) => document.getElementById(id);
  const video = $("video"), dubAudio = $("dub-audio"), grid = $("grid");
  const body = $("grid-body"), head = $("grid-head"), wave = $("wave");

  const columns = D.columns;
  const byCode = Object.fromEntries(columns.map((c) => [c.code, c]));
  // code -> how many edits the column had since load or its last save (a save made while
  // the editor types on clears only what it sent)
  const edits = {};
  const state = { onlyProblems: false, lang: "", rule: "", speaker: "", rows: [], current: -1, editing: null };

  const { clock, parseClock, el, composeVtt, composeSrt } = ScodubUtil;
  const MAX_MS = ((99 * 60 + 59) * 60 + 59) * 1000 + 999; // SRT's last time

  // ---- QC state per column -------------------------------------------------------
  function indexIssues(col) {
    col.byRow = new Map();
    for (const item of col.issues) {
      if (!col.byRow.has(item[0])) col.byRow.set(item[0], []);
      col.byRow.get(item[0]).push(item);
    }
  }
  columns.forEach(indexIssues);

  // A cell with no text (cleared by the editor, or a cue of tags only) is a deleted cue:
  // it is left out of the file saved or exported, and out of the checks.
  const hasText = (cell) => !!cell && cell[2].split("\n").some((l) => QC.visibleText(l).trim());
  const keptRows = (col) => col.cells.flatMap((cell, i) => (hasText(cell) ? [i] : []));

  // After an edit of cell i: the issues of cues i-1 and i (gap rules look at the next
  // cue) checked again, the rest of the column kept. A column with deleted cues is
  // checked whole as the file it saves: its cues in order, each issue on its own row.
  function recheck(col, i) {
    const kept = keptRows(col);
    if (kept.length < col.cells.length) {
      const cells = kept.map((r) => col.cells[r]), speakers = kept.map((r) => speakersOf(r));
      col.issues = QC.checkRange(cells, col.code, speakers).map((x) => [kept[x[0]], ...x.slice(1)]);
      indexIssues(col);
      return;
    }
    const fresh = QC.checkRange(col.cells, col.code, D.speakers, null, i - 1, i + 1);
    const before = col.issues.filter((x) => x[0] < i - 1);
    const after = col.issues.filter((x) => x[0] > i);
    col.issues = [...before, ...fresh, ...after];
    for (const row of [i - 1, i]) col.byRow.delete(row);
    for (const item of fresh) {
      if (!col.byRow.has(item[0])) col.byRow.set(item[0], []);
      col.byRow.get(item[0]).push(item);
    }
  }

  function cellProblems(col, i) {
    const issues = col.byRow.get(i) || [];
    const terms = ((D.terms[col.code] || {})[i] || []).filter((t) => t[2] === "miss");
    const dub = col.dub && col.dub.lines[i];
    return { issues, misses: terms.length, unfitted: dub && !dub[1] };
  }
  function rowHasProblem(i, cols, rule) {
    return cols.some((col) => {
      const p = cellProblems(col, i);
      if (rule) return p.issues.some((x) => x[1] === rule);
      return p.issues.length || p.misses || p.unfitted;
    });
  }
  const shownColumns = () =>
    state.lang ? columns.filter((c) => c.source || c.code === state.lang) : columns;

  function applyFilters() {
    const cols = shownColumns();
    state.rows = [];
    for (let i = 0; i < D.rows; i++) {
      if ((state.onlyProblems || state.rule) && !rowHasProblem(i, cols, state.rule)) continue;
      if (state.speaker && !speakersOf(i).includes(state.speaker)) continue;
      state.rows.push(i);
    }
    body.style.height = `${state.rows.length * ROW_H}px`;
    body.style.setProperty("--cols", cols.length);
    head.style.setProperty("--cols", cols.length);
    renderHead(cols);
    colWidth = 0;
    rendered.clear();
    body.replaceChildren();
    renderRows(true);
    const total = columns.reduce((n, c) => n + c.issues.length, 0);
    $("counts").textContent = `${state.rows.length} of ${D.rows} cues shown; ${total} issues`;
  }

  // ---- grid ----------------------------------------------------------------------
  function renderHead(cols) {
    head.replaceChildren(el("div", { class: "num", text: "#" }), ...cols.map((col) => {
      const t = termCounts(col);
      const heard = col.dub && typeof col.dub.backcheck === "number"
        ? `, heard back with ${(col.dub.backcheck * 100).toFixed(0)}% word errors` : "";
      const dub = col.dub ? ` · dub: ${col.dub.voice}${heard}` : "";
      return el("div", { class: "colhead", "data-lang": col.code },
        el("b", { text: `${col.name} (${col.code})` }),
        col.source ? el("span", { class: "tag", text: "source" }) : null,
        col.edited ? el("span", { class: "tag edited", text: "edited" }) : null,
        col.machine_newer ? el("span", { class: "tag newer", text: "newer machine output",
          title: "translated again after this edit was saved: the edit is shown" }) : null,
        el("small", { text: `${col.issues.length} issues · names ${t.hit} hit, ${t.repaired} repaired, ${t.miss} missing${dub}` }));
    }));
  }

  // light: times and text only (marks and rule flags kept), for rows passed over in a jump
  // across the film; the rest of the cell is drawn once scrolling rests.
  function cellNode(col, i, light = false) {
    const cell = col.cells[i];
    const node = el("div", { class: "cell", "data-lang": col.code, "data-row": i });
    if (!cell) return node;
    const [start, end, text] = cell;
    const lines = text.split("\n");
    const lang = D.qc.languages[col.code];
    const issues = col.byRow.get(i) || [];
    if (!hasText(cell)) {
      node.classList.add("deleted");
      node.append(el("div", { class: "times" }, `${clock(start)} → ${clock(end)}`), textNode(col, i, lines),
        el("div", { class: "deleted-note", title: "double-click to write it again",
          text: "deleted: no text, left out of the file saved" }));
      return node;
    }
    if (issues.some((x) => QC.severity[x[1]] === "hard")) node.classList.add("hard");
    else if (issues.length) node.classList.add("soft");
    if (light) {
      node.append(el("div", { class: "times" }, `${clock(start)} → ${clock(end)}`), textNode(col, i, lines));
      return node;
    }
    const widths = lines.map((l) => QC.textWidth(l, lang));
    const cps = QC.readingSpeed(lines, end - start);
    node.append(
      el("div", { class: "times" },
        el("span", { class: "t-start", text: clock(start) }), " → ",
        el("span", { class: "t-end", text: clock(end) }),
        el("span", { class: "dur", text: ` ${((end - start) / 1000).toFixed(2)} s` })),
      textNode(col, i, lines),
      el("div", { class: "metrics", text:
        `${widths.map((w) => `${w}`).join(" | ")} / ${lang.limits.max_chars_per_line} chars · ` +
        `${Number.isFinite(cps) ? cps.toFixed(1) : "∞"} / ${lang.limits.max_cps} cps` }));
    if (issues.length) {
      node.append(el("ul", { class: "issues" }, ...issues.map((x) =>
        el("li", { class: QC.severity[x[1]], "data-rule": x[1], title: x[4] },
          el("b", { text: x[1] }), `: ${QC.words(col.code, x[1])} (${QC.shown(x[2])}${x[4] ? " " + x[4] : ""})`))));
    }
    node.append(termsNode(col, i));
    if (col.source) {
      const asr = D.asr[i];
      if (asr) {
        node.append(el("div", { class: "asr" },
          ...asr.corrections.map((c) => el("span", { class: "fix",
            text: `heard “${c[0]}” → “${c[1]}” (${c[2]})` })),
          ...asr.unsure.map((w) => el("span", { class: "unsure", title: "a word Whisper was unsure of (its probability)",
            text: `${w[0]} (${w[1]})` }))));
      }
    }
    const dub = col.dub && col.dub.lines[i];
    if (dub) {
      node.append(el("div", { class: `dub${dub[1] ? "" : " unfitted"}`, text: dub[1]
        ? `dub ${dub[0].toFixed(2)}x (rate ${dub[3]}, stretch ${dub[4]})`
        : `dub NOT FITTED: ${dub[2]} ms cut (${dub[0].toFixed(2)}x)` }));
    }
    return node;
  }

  // Marks of row i redrawn in place (the cell being edited keeps its editor).
  function refreshTerms(i, editing, codes) {
    for (const cellEl of body.querySelectorAll(`.cell[data-row="${i}"]`)) {
      const col = byCode[cellEl.dataset.lang];
      if (!codes.has(col.code)) continue;
      const old = cellEl.querySelector(".terms");
      if (old) old.replaceWith(termsNode(col, i));
      const text = cellEl.querySelector(".text");
      if (col !== editing && text && col.cells[i]) text.replaceWith(textNode(col, i, col.cells[i][2].split("\n")));
    }
  }

  const rendered = new Map(); // position in state.rows -> row element
  // Columns in view sideways [first, last): a light row leaves the others empty.
  let colWidth = 0, numWidth = 0; // measured once (reading them forces a layout)
  function columnsInView(count) {
    if (!colWidth) {
      colWidth = (head.querySelector(".colhead") || {}).offsetWidth || 0;
      numWidth = head.firstElementChild ? head.firstElementChild.offsetWidth : 0;
    }
    if (!colWidth) return [0, count];
    const left = grid.scrollLeft - numWidth, right = left + grid.clientWidth;
    return [Math.max(0, Math.floor(left / colWidth)), Math.min(count, Math.ceil(right / colWidth))];
  }
  window.addEventListener("resize", () => { colWidth = 0; });
  function rowNode(pos, light = false) {
    const i = state.rows[pos];
    const cols = shownColumns();
    const [a, b] = light ? columnsInView(cols.length) : [0, cols.length];
    const row = el("div", { class: "row", "data-row": i, style: `top:${pos * ROW_H}px` },
      el("div", { class: "num" }, String(i + 1),
        ...speakersOf(i).map((id) => el("span", { class: "speaker", "data-speaker": id, title: "speaker", text: id }))),
      ...cols.map((col, k) => (k < a || k >= b ? el("div", { class: "stub" }) : cellNode(col, i, light))));
    if (light) row.dataset.light = "1";
    if (i === state.current) row.classList.add("current");
    return row;
  }
  // The rows in view are drawn in the frame that shows them; a few more above and below
  // once scrolling rests, so that the next small scroll finds them ready. (Drawn at every
  // idle moment instead, they doubled the work of each frame of a drag across the film.)
  const REST_MS = 120;
  let restTimer = 0;
  function renderRows(force = false, overscan = 0, light = false) {
    const top = grid.scrollTop, height = grid.clientHeight || 600;
    const first = Math.max(0, Math.floor(top / ROW_H) - overscan);
    const last = Math.min(state.rows.length, Math.ceil((top + height) / ROW_H) + overscan);
    if (!overscan) {
      clearTimeout(restTimer);
      restTimer = setTimeout(() => renderRows(false, OVERSCAN), REST_MS);
    }
    const keepFirst = Math.max(0, Math.floor(top / ROW_H) - OVERSCAN);
    const keepLast = Math.ceil((top + height) / ROW_H) + OVERSCAN;
    for (const [pos, node] of rendered) {
      if (force || pos < keepFirst || pos >= keepLast) { node.remove(); rendered.delete(pos); }
    }
    const fresh = document.createDocumentFragment();
    for (let pos = first; pos < last; pos++) {
      if (!rendered.has(pos)) { const node = rowNode(pos, light); rendered.set(pos, node); fresh.append(node); }
    }
    body.append(fresh);
    if (overscan) { // at rest: light rows drawn in full (not one being edited)
      for (const [pos, node] of rendered) {
        if (node.dataset.light && !node.querySelector("textarea")) {
          const full = rowNode(pos);
          node.replaceWith(full);
          rendered.set(pos, full);
        }
      }
    }
  }
  function rerenderRow(i) {
    for (const [pos, node] of rendered) {
      if (state.rows[pos] === i) { const fresh = rowNode(pos); node.replaceWith(fresh); rendered.set(pos, fresh); }
    }
  }
  // A scroll of more than a screen in one frame is a jump (the scrollbar dragged, a
  // click on the waveform): its rows are drawn light until scrolling rests.
  let scrollQueued = false, lastTop = 0;
  grid.addEventListener("scroll", () => {
    if (scrollQueued) return;
    scrollQueued = true;
    requestAnimationFrame(() => {
      scrollQueued = false;
      const jump = Math.abs(grid.scrollTop - lastTop) > grid.clientHeight;
      lastTop = grid.scrollTop;
      renderRows(false, 0, jump);
    });
  });

  // ---- player ----------------------------------------------------------------------
  function seek(ms) {
    const t = ms / 1000;
    video.currentTime = t;
    if (!dubAudio.paused || dubAudio.src) dubAudio.currentTime = t;
    drawWave();
  }
  body.addEventListener("click", (event) => {
    const row = event.target.closest(".row");
    if (!row || event.target.closest("textarea, input, button")) return;
    const i = +row.dataset.row;
    const cellEl = event.target.closest(".cell");
    const col = byCode[cellEl ? cellEl.dataset.lang : columns[0].code] || columns[0];
    const cell = col.cells[i] || columns[0].cells[i];
    if (cell) seek(cell[0]);
    setCurrent(i);
  });
  body.addEventListener("dblclick", (event) => {
    const cellEl = event.target.closest(".cell");
    if (cellEl && !event.target.closest("textarea, input")) startEdit(byCode[cellEl.dataset.lang], +cellEl.dataset.row);
  });

  function setCurrent(i) {
    if (i === state.current) return;
    state.current = i;
    for (const node of rendered.values()) node.classList.toggle("current", +node.dataset.row === i);
  }

  function cueAt(ms) {
    const cells = columns[0].cells;
    let lo = 0, hi = cells.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (cells[mid][0] <= ms) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return found >= 0 && ms < cells[found][1] ? found : -1;
  }

  function setupMedia() {
    if (D.film.video) video.src = D.film.video;
    const subs = $("subs"), audio = $("audio"), pending = [];
    for (const col of columns) {
      subs.append(el("option", { value: col.code, text: `${col.name}${col.edited ? " (edited)" : ""}` }));
      if (col.dub) audio.append(el("option", { value: col.code, text: `${col.name} (dub)` }));
      const track = el("track", { kind: "subtitles", label: col.name, srclang: col.bcp47, "data-lang": col.code });
      video.append(track);
      track.track.mode = col.code === D.film.source_language ? "showing" : "hidden";
      if (served) track.src = col.vtt;
      else pending.push([track, col]);
    }
    // file:// pages may not fetch a <track> (browsers treat each file as its own origin):
    // there the cues come from the page data, the same text as the .vtt file. Eleven
    // tracks of a long film take a moment to compose: one per task, the shown one first,
    // so the page answers at once.
    pending.sort((a, b) => (b[1].code === D.film.source_language) - (a[1].code === D.film.source_language));
    const attach = () => {
      const next = pending.shift();
      if (!next) return;
      next[0].src = URL.createObjectURL(new Blob([composeVtt(next[1].cells.filter((c) => c[2]), QC.vttLine)], { type: "text/vtt" }));
      setTimeout(attach, 0);
    };
    attach();
    subs.value = D.film.source_language in byCode ? D.film.source_language : "";
    subs.addEventListener("change", () => {
      for (const t of video.querySelectorAll("track")) {
        t.track.mode = t.dataset.lang === subs.value ? "showing" : "hidden";
      }
    });
    audio.addEventListener("change", () => {
      const code = audio.value;
      if (!code) { dubAudio.pause(); dubAudio.removeAttribute("src"); dubAudio.load(); video.muted = false; return; }
      dubAudio.src = D.film.dubs[code];
      video.muted = true;
      dubAudio.currentTime = video.currentTime;
      if (!video.paused) dubAudio.play().catch(() => {});
    });
    // The dub plays in its own element, kept on the film's clock.
    video.addEventListener("play", () => { if (dubAudio.src) { dubAudio.currentTime = video.currentTime; dubAudio.play().catch(() => {}); } });
    video.addEventListener("pause", () => dubAudio.pause());
    video.addEventListener("seeked", () => { if (dubAudio.src) dubAudio.currentTime = video.currentTime; });
    video.addEventListener("ratechange", () => { dubAudio.playbackRate = video.playbackRate; });
    video.addEventListener("timeupdate", () => {
      if (dubAudio.src && Math.abs(dubAudio.currentTime - video.currentTime) > 0.15) dubAudio.currentTime = video.currentTime;
      const i = cueAt(video.currentTime * 1000);
      if (i >= 0) setCurrent(i);
      drawWave();
    });
  }

  function fillTrack(col) {
    const node = video.querySelector(`track[data-lang="${col.code}"]`);
    if (!node) return;
    const track = node.track;
    for (const cue of [...(track.cues || [])]) track.removeCue(cue);
    for (const [a, b, text] of col.cells.filter(hasText)) {
      // cue text is WebVTT markup: as in the .vtt file (italics shown, "a < b" as written)
      const shown = text.split("\n").map(QC.vttLine).filter((l) => l.trim()).join("\n");
      track.addCue(new VTTCue(a / 1000, b / 1000, shown));
    }
  }

  // ---- waveform (wave.js) ------------------------------------------------------------
  const Wave = ScodubWave.create({
    canvas: wave, video, film: D.film,
    cells: () => (byCode[state.lang] || columns[0]).cells,
    current: () => state.current,
    onClick: (ms) => {
      const i = cueAt(ms);
      if (i < 0) { seek(ms); return; }
      // a click on a cue box goes to its in-time, and its row is brought into view
      seek(columns[0].cells[i][0]);
      setCurrent(i);
      const pos = state.rows.indexOf(i);
      if (pos >= 0 && (pos * ROW_H < grid.scrollTop || (pos + 1) * ROW_H > grid.scrollTop + grid.clientHeight)) {
        grid.scrollTop = pos * ROW_H;
      }
    },
  });
  const drawWave = () => Wave.draw();

  // ---- editing ----------------------------------------------------------------------
  function startEdit(col, i) {
    if (!col || !col.cells[i]) return;
    if (body.querySelector(`.row[data-row="${i}"][data-light]`)) rerenderRow(i); // drawn in full
    const cellEl = body.querySelector(`.cell[data-lang="${col.code}"][data-row="${i}"]`);
    if (!cellEl || cellEl.querySelector("textarea")) return;
    const [start, end, text] = col.cells[i];
    const lang = D.qc.languages[col.code];
    const area = el("textarea", { class: "editor", dir: lang.rtl ? "rtl" : "ltr", lang: col.bcp47, rows: 3 });
    area.value = text;
    const editor = el("div", { class: "edit-box" });
    if (col.source) {
      const inStart = el("input", { class: "edit-start", value: clock(start), size: 12 });
      const inEnd = el("input", { class: "edit-end", value: clock(end), size: 12 });
      editor.append(inStart, " → ", inEnd);
      for (const input of [inStart, inEnd]) input.addEventListener("input", () => update());
    }
    const timeProblems = [];
    editor.append(area, el("button", { type: "button", class: "done", text: "done" }),
      el("button", { type: "button", class: "delete", text: "delete cue",
        title: "leave this cue out of the file saved (write text again to keep it)" }));
    const live = el("ul", { class: "issues live" });
    editor.append(live);
    cellEl.querySelector(".text").replaceWith(editor);
    area.focus();
    state.editing = { col, i };
    function update() {
      const cell = col.cells[i].slice();
      cell[2] = area.value.replace(/\r/g, "");
      timeProblems.length = 0;
      if (col.source) {
        for (const [k, which] of [[0, "start"], [1, "end"]]) {
          const input = editor.querySelector(`.edit-${which}`);
          const ms = parseClock(input.value);
          const bad = ms === null || ms > MAX_MS;
          input.classList.toggle("bad", bad);
          input.title = bad ? "not a time: write h:mm:ss.mmm" : "";
          if (bad) timeProblems.push(`${which} “${input.value}” is not a time (h:mm:ss.mmm); the cue keeps ${clock(cell[k])}`);
          else cell[k] = ms;
        }
      }
      col.cells[i] = cell;
      edits[col.code] = (edits[col.code] || 0) + 1;
      recheck(col, i);
      refreshTerms(i, col, remark(i));
      const issues = col.byRow.get(i) || [];
      live.replaceChildren(...timeProblems.map((text) => el("li", { class: "hard time", text })),
        ...issues.map((x) => el("li", { class: QC.severity[x[1]], "data-rule": x[1] },
          el("b", { text: x[1] }), `: ${QC.words(col.code, x[1])} (${QC.shown(x[2])}${x[4] ? " " + x[4] : ""})`)));
      cellEl.classList.toggle("hard", issues.some((x) => QC.severity[x[1]] === "hard"));
      cellEl.classList.toggle("soft", issues.length > 0 && !cellEl.classList.contains("hard"));
      $("save").disabled = false;
      $("status").textContent = `${Object.keys(edits).length} language(s) edited, not saved`;
    }
    area.addEventListener("input", update);
    editor.querySelector(".done").addEventListener("click", () => finishEdit());
    editor.querySelector(".delete").addEventListener("click", () => {
      area.value = "";
      update();
      finishEdit();
    });
  }
  function finishEdit() {
    if (!state.editing) return;
    const { col, i } = state.editing;
    state.editing = null;
    fillTrack(col);
    if (i > 0) rerenderRow(i - 1);
    rerenderRow(i);
    // the cue kept before a deleted one gets its gap rules from the next cue kept
    let before = i - 1;
    while (before >= 0 && !hasText(col.cells[before])) before--;
    if (before >= 0 && before < i - 1) rerenderRow(before);
    renderHead(shownColumns());
  }

  // The checks the server makes before it writes (scodub.review.edits): an exported file
  // that scodub would refuse to read is not written either.
  function exportProblem(code) {
    const col = byCode[code], kept = keptRows(col);
    if (!kept.length) return `every ${code} cue is deleted`;
    for (const k of kept) {
      const [a, b] = col.cells[k];
      if (!(a >= 0 && a < b)) return `${code} cue ${k + 1}: its end ${clock(b)} is not after its start ${clock(a)}`;
      if (b > MAX_MS) return `${code} cue ${k + 1}: ends past 99:59:59,999`;
    }
    return "";
  }
  function exportEdits(langs) {
    const problem = langs.map(exportProblem).find(Boolean);
    if (problem) { $("status").textContent = `not exported: ${problem}`; return; }
    for (const code of langs) {
      const col = byCode[code];
      const blob = new Blob([composeSrt(keptRows(col).map((k) => col.cells[k]))], { type: "application/x-subrip" });
      const link = el("a", { href: URL.createObjectURL(blob), download: `${D.film.stem}.${code}.edited.srt` });
      document.body.append(link);
      link.click();
      link.remove();
    }
    $("status").textContent = `exported ${langs.map((c) => `${D.film.stem}.${c}.edited.srt`).join(", ")}`;
  }

  // One save at a time; a click during one saves again after it. Each language is sent
  // with the digest of the edited file the page holds ("base") and of the machine track
  // it was built with ("machine"): the server refuses to replace a version another tab
  // or program wrote meanwhile, or to save edits of a translation re-made since (409),
  // and a second save, knowing, replaces it (the other kept as a backup).
  let saving = false, saveAgain = false;
  async function save() {
    finishEdit();
    if (saving) { saveAgain = true; return; }
    const langs = Object.keys(edits);
    if (!langs.length) return;
    if (!served) { exportEdits(langs); return; }
    saving = true;
    $("save").disabled = true;
    const saved = [], notes = [];
    try {
      for (const code of langs) {
        const col = byCode[code], generation = edits[code];
        const rows = keptRows(col); // a deleted cue is not sent: the file has no place for it
        if (!rows.length) { notes.push(`not saved: every ${code} cue is deleted`); continue; }
        const cells = rows.map((k) => col.cells[k].slice());
        let response, answer;
        try {
          response = await fetch("api/save", {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ film: D.film.key, lang: code, cells, rows, base: col.base,
              machine: col.machine_base }),
          });
          answer = await response.json();
        } catch (err) {
          notes.push(`not saved: the review server did not answer (${err.message}); is scodub review --serve still running?`);
          break;
        }
        if (response.status === 409) {
          col.base = answer.current;
          if (typeof answer.machine === "string") col.machine_base = answer.machine;
          notes.push(`not saved: ${answer.error}`);
          continue;
        }
        if (!response.ok) { notes.push(`not saved: ${answer.error}`); break; }
        col.base = answer.base;
        col.edited = true;
        saved.push(answer.path);
        if (answer.warning) notes.push(answer.warning);
        if (edits[code] !== generation) continue; // typed on meanwhile: still to save
        delete edits[code];
        col.issues = answer.issues;
        indexIssues(col);
      }
    } finally {
      saving = false;
    }
    const pending = Object.keys(edits).length;
    $("save").disabled = !pending;
    $("status").textContent = [saved.length ? `saved ${saved.join(", ")}` : "", ...notes,
      pending ? `${pending} language(s) edited, not saved` : ""].filter(Boolean).join("; ");
    if (state.editing) renderHead(shownColumns()); // the open editor stays open
    else applyFilters();
    if (saveAgain) { saveAgain = false; if (pending) save(); }
  }
  $("save").textContent = served ? "save edits" : "export edits";
  $("save").addEventListener("click", save);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") finishEdit();
  });

  // ---- filters -------------------------------------------------------------------------
  function setupFilters() {
    const langSel = $("filter-lang"), ruleSel = $("filter-rule"), speakerSel = $("filter-speaker");
    const speakers = [...new Set((D.speakers || []).flat())].sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
    for (const id of speakers) speakerSel.append(el("option", { value: id, text: id }));
    speakerSel.parentElement.hidden = !speakers.length;
    speakerSel.addEventListener("change", () => { state.speaker = speakerSel.value; applyFilters(); });
    for (const col of columns) if (!col.source) langSel.append(el("option", { value: col.code, text: col.name }));
    for (const rule of D.qc.rules) ruleSel.append(el("option", { value: rule.id, text: `${rule.id} (${rule.severity})` }));
    $("only-problems").addEventListener("change", (e) => { state.onlyProblems = e.target.checked; applyFilters(); });
    langSel.addEventListener("change", () => { state.lang = langSel.value; applyFilters(); drawWave(); });
    ruleSel.addEventListener("change", () => { state.rule = ruleSel.value; applyFilters(); });
    $("legend").append(el("span", { class: "hard", text: "hard rule broken" }), " ",
      el("span", { class: "soft", text: "soft rule" }), " ",
      el("span", { class: "term hit", text: "name hit" }), " ",
      el("span", { class: "term repaired", text: "repaired" }), " ",
      el("span", { class: "term miss", text: "missing" }));
    hearingNotes();
    if (D.film.proxy) $("legend").append(el("div", { text: "playing a browser proxy of the film" }));
    if (!D.film.video) $("legend").append(el("div", { text: "film not found: grid only" }));
  }

  // What the transcript may have wrong or missed: its warnings, and a button per stretch of
  // speech that got no words (one the source column now covers with a cue drops out).
  function hearingNotes() {
    const hearing = D.hearing || { warnings: [], unheard: [] };
    const source = columns.find((col) => col.source);
    const covered = ([a, b]) => source && source.cells.some((c) => hasText(c) && c[0] < b && c[1] > a);
    const open = hearing.unheard.filter((span) => !covered(span));
    const box = el("div", { id: "hearing" });
    for (const warning of hearing.warnings) {
      if (warning.includes("got no words") && !open.length) continue; // all covered now
      box.append(el("div", { class: "warning", text: warning }));
    }
    if (open.length) {
      const heard = hearing.language ? ` (sounds like ${hearing.language})` : "";
      box.append(el("div", { text: `speech with no subtitle${heard}: ` },
        ...open.map(([a, b]) => el("button", { type: "button", class: "unheard", "data-ms": a,
          text: `${clock(a)}–${clock(b)}` }))));
    }
    const elsewhere = hearing.elsewhere || [];
    if (elsewhere.length) {
      box.append(el("div", { text: "speech in another language: " },
        ...elsewhere.map(([a, b, code]) => el("button", { type: "button", class: "unheard", "data-ms": a,
          text: `${code} ${clock(a)}–${clock(b)}` }))));
    }
    box.addEventListener("click", (event) => {
      const button = event.target.closest("button.unheard");
      if (button) seek(+button.dataset.ms);
    });
    if (box.childElementCount) $("legend").append(box);
  }

  setupMedia();
  setupFilters();
  applyFilters();
  drawWave();
  window.scodubReview = { QC, data: D, edits, state, seek, startEdit, finishEdit, composeSrt,
    readyMs: performance.now() };
  document.body.dataset.ready = "1";
})();
