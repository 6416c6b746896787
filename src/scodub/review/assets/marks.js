/* scodub review: the glossary names of a cell: the marks in its text, the list under it, the
 * column's counts, and all of a row's marks found again after an edit (terms.js finds them,
 * as scodub.names.termcheck does; pagedata.glossary_cells made the first ones). Part of
 * scodub (MIT). */
"use strict";

const ScodubMarks = (() => {
  /** D the page data (D.terms: code -> row -> marks, updated in place by remark), QC the
   * checker (for its notion of a line's text), Terms the glossary matcher (null without a
   * glossary), columns the page's columns, el the element builder. */
  function create({ D, QC, Terms, columns, el }) {
    function termCounts(col) {
      if (!Object.keys(D.terms).length) { // no --glossary: the run report's counts
        const g = col.glossary_counts;
        return { hit: g.hits, repaired: g.repairs, miss: g.misses };
      }
      const counts = { hit: 0, repaired: 0, miss: 0 };
      for (const terms of Object.values(D.terms[col.code] || {})) for (const t of terms) counts[t[2]]++;
      return counts;
    }
    function termsNode(col, i) {
      const terms = (D.terms[col.code] || {})[i] || [];
      return el("div", { class: "terms" }, ...terms.map((t) =>
        el("span", { class: `term ${t[2]}`, title: `${t[0]}: expected ${t[1] || "(no form)"}` },
          `${t[2] === "miss" ? t[1] || t[0] : t[3] || t[1]} `, el("small", { text: t[2] }))));
    }
    // The names of row i found again (terms.js, as scodub.names.termcheck finds them): the
    // source cell's, and each translation's against them, as pagedata.glossary_cells does.
    const flat = (text) => text.split("\n").map((l) => QC.strip(l)).filter((l) => l).join(" ");
    // Returns the codes of the columns whose marks changed.
    function remark(i) {
      const src = columns.find((c) => c.source), changed = new Set();
      if (!Terms || !src || !src.cells[i]) return changed;
      const srcText = flat(src.cells[i][2]);
      const order = Terms.sourceOrder(srcText, src.code);
      for (const col of columns) {
        if (!col.cells[i]) continue;
        const deleted = !col.cells[i][2].split("\n").some((l) => QC.visibleText(l).trim());
        const marks = deleted ? [] // a cue deleted on the page
          : col.source ? Terms.sourceCell(srcText, col.code)
          : Terms.checkCell(flat(col.cells[i][2]), col.code, srcText, src.code, order);
        const cells = D.terms[col.code] || (D.terms[col.code] = {});
        if (JSON.stringify(cells[i] || []) !== JSON.stringify(marks)) changed.add(col.code);
        if (marks.length) cells[i] = marks; else delete cells[i];
      }
      return changed;
    }
    // Glossary names found in a line, marked where they stand in the text.
    function marked(line, terms) {
      const found = terms.filter((t) => t[2] !== "miss" && t[3] && line.includes(t[3]));
      if (!found.length) return [line];
      const parts = [];
      let rest = line;
      while (rest) {
        let best = null;
        for (const t of found) {
          const at = rest.indexOf(t[3]);
          if (at >= 0 && (!best || at < best[0])) best = [at, t];
        }
        if (!best) { parts.push(rest); break; }
        const [at, t] = best;
        if (at) parts.push(rest.slice(0, at));
        parts.push(el("mark", { class: `term ${t[2]}`, title: `${t[0]} (${t[2]})`, text: t[3] }));
        rest = rest.slice(at + t[3].length);
      }
      return parts;
    }
    function textNode(col, i, lines) {
      const lang = D.qc.languages[col.code];
      const terms = (D.terms[col.code] || {})[i] || [];
      return el("div", { class: "text", dir: lang.rtl ? "rtl" : "ltr", lang: col.bcp47,
        title: "double-click to edit" },
        ...lines.flatMap((l, k) => (k ? [el("br"), ...marked(l, terms)] : marked(l, terms))));
    }

    return { termCounts, termsNode, remark, textNode };
  }
  return { create };
})();
