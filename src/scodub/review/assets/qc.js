/* scodub review: the subtitle QC of scodub.text.qc, for re-checking a cell as an editor
 * types. No number lives here: limits, rule words and severities and the Unicode tables
 * come from the page data (scodub.review.rules, from scodub.langs and scodub.text.qc).
 * Same rules, same order, same measurements as check_track; a test compares the two
 * over whole tracks. Part of scodub (MIT). */
"use strict";

const ScodubQC = (() => {
  function makeLookup(ranges) {
    const starts = ranges.map((r) => r[0]);
    const ends = ranges.map((r) => r[1]);
    return (code) => {
      let lo = 0, hi = starts.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (code < starts[mid]) hi = mid - 1;
        else if (code > ends[mid]) lo = mid + 1;
        else return true;
      }
      return false;
    };
  }

  function create(qc, unicode) {
    const fullWidth = makeLookup(unicode.full_width);
    const rtlChar = makeLookup(unicode.rtl);
    const marks = new Set(Array.from(unicode.direction_marks));
    const order = qc.rules.map((r) => r.id);
    const severity = Object.fromEntries(qc.rules.map((r) => [r.id, r.severity]));
    const ROUNDING_MS = 1; // SRT stores whole ms; frames at 23.976 fps do not fall on them

    const chars = (text) => Array.from(text);
    const stripMarks = (text) => chars(text).filter((c) => !marks.has(c)).join("");
    // Python's str.split() / strip(): Unicode whitespace
    const isSpace = (c) => /\s/u.test(c) && c !== "\uFEFF";
    const strip = (text) => {
      const cs = chars(text);
      let a = 0, b = cs.length;
      while (a < b && isSpace(cs[a])) a++;
      while (b > a && isSpace(cs[b - 1])) b--;
      return cs.slice(a, b).join("");
    };
    const normalize = (text) =>
      stripMarks(text).split(/\s+/u).filter((w) => w.length).join(" ");

    function textWidth(text, lang) {
      const plain = chars(stripMarks(text));
      if (!lang.cjk_width) return plain.length;
      let width = 0;
      for (const c of plain) width += fullWidth(c.codePointAt(0)) ? 1 : 0.5;
      return width;
    }

    function readingChars(lines) {
      let n = 0;
      for (const c of chars(stripMarks(lines.join("")))) if (c !== "\r" && c !== "\n") n++;
      return n;
    }

    function readingSpeed(lines, duration) {
      const n = readingChars(lines);
      if (n === 0) return 0;
      if (duration <= 0) return Infinity;
      return (n * 1000) / duration;
    }

    function needsMarks(line) {
      if (!line || marks.has(chars(line)[0])) return false;
      const text = strip(line);
      if (!text) return false;
      const cs = chars(text);
      return !rtlChar(cs[0].codePointAt(0)) || !rtlChar(cs[cs.length - 1].codePointAt(0));
    }

    const issue = (index, rule, measured, limit, detail) => [index, rule, measured, limit, detail];

    function cueIssues(index, lines, start, end, lang) {
      const L = lang.limits;
      const out = [];
      const visible = lines.filter((line) => strip(stripMarks(line)).length > 0);
      if (!visible.length) out.push(issue(index, "empty", 0, 1, "no visible text"));
      if (lines.length > L.max_lines) out.push(issue(index, "max_lines", lines.length, L.max_lines, ""));
      const widths = lines.map((line) => textWidth(line, lang));
      const widest = widths.length ? Math.max(...widths) : 0;
      if (widest > L.max_chars_per_line) {
        out.push(issue(index, "chars_per_line", widest, L.max_chars_per_line,
          `line ${widths.indexOf(widest) + 1}`));
      }
      const duration = end - start;
      if (duration < L.min_duration_ms) out.push(issue(index, "min_duration", duration, L.min_duration_ms, "ms"));
      if (duration > L.max_duration_ms) out.push(issue(index, "max_duration", duration, L.max_duration_ms, "ms"));
      if (duration > 0 && visible.length) {
        const cps = readingSpeed(lines, duration);
        if (cps > L.max_cps) out.push(issue(index, "reading_speed", cps, L.max_cps, "chars/s"));
      }
      if (visible.length > 1) {
        const flat = normalize(lines.join(" "));
        const width = textWidth(flat, lang);
        if (width <= L.max_chars_per_line) {
          out.push(issue(index, "one_line", width, L.max_chars_per_line, "fits on one line"));
        }
      }
      if (lang.rtl) {
        const unmarked = visible.filter(needsMarks).length;
        if (unmarked) out.push(issue(index, "rtl_marks", unmarked, 0, "lines without marks"));
      }
      return out;
    }

    function gapIssues(index, cue, next, lang) {
      const L = lang.limits;
      const gap = next[0] - cue[1];
      if (next[0] < cue[0]) {
        return [issue(index, "order", next[0] - cue[0], 0, `cue ${index + 2} starts before cue ${index + 1}`)];
      }
      if (gap < 0) return [issue(index, "order", gap, 0, `overlaps cue ${index + 2} (ms)`)];
      if (gap < L.min_gap_ms - ROUNDING_MS) return [issue(index, "min_gap", gap, L.min_gap_ms, "ms")];
      if (L.min_gap_ms + ROUNDING_MS < gap && gap <= L.chain_gap_ms) {
        return [issue(index, "chaining", gap, L.chain_gap_ms, `close to ${L.min_gap_ms} ms`)];
      }
      return [];
    }

    const round2 = (x) => (Number.isFinite(x) ? Math.round(x * 100) / 100 : x);

    /** Issues of a whole track: cells are [start_ms, end_ms, text] (lines split on \n),
     * as [index, rule, measured, limit, detail], sorted like check_track's. */
    function checkTrack(cells, code) {
      const lang = qc.languages[code];
      const out = [];
      for (let i = 0; i < cells.length; i++) {
        const [start, end, text] = cells[i];
        out.push(...cueIssues(i, text.split("\n"), start, end, lang));
        if (i + 1 < cells.length) out.push(...gapIssues(i, cells[i], cells[i + 1], lang));
      }
      out.sort((a, b) => a[0] - b[0] || order.indexOf(a[1]) - order.indexOf(b[1]));
      return out.map((x) => [x[0], x[1], round2(x[2]), round2(x[3]), x[4]]);
    }

    const words = (code, rule) => qc.languages[code].words[rule];
    return { checkTrack, textWidth, readingSpeed, severity, words, order, stripMarks };
  }
  return { create };
})();
