/* scodub review: the subtitle QC of scodub.text.qc, every rule of its RULES, for
 * re-checking a cell as an editor types. No number, word list or pattern lives here:
 * limits, rule words and severities, number styles, tag patterns, shot changes and the
 * Unicode tables (Python's notion of whitespace, digits, widths, direction) come from
 * the page data (scodub.review.rules). Same rules, same order, same measurements as
 * check_track; a test compares the two over generated tracks, rule by rule.
 * Part of scodub (MIT). */
"use strict";

const ScodubQC = (() => {
  function makeLookup(ranges) {
    const starts = ranges.map((r) => r[0]);
    const ends = ranges.map((r) => r[1]);
    // the index of the range holding code, or -1
    return (code) => {
      let lo = 0, hi = starts.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (code < starts[mid]) hi = mid - 1;
        else if (code > ends[mid]) lo = mid + 1;
        else return mid;
      }
      return -1;
    };
  }
  const hex = (code) => `\\u{${code.toString(16)}}`;
  const classOf = (ranges) => ranges.map(([a, b]) => (a === b ? hex(a) : `${hex(a)}-${hex(b)}`)).join("");

  // Python's round(): halves to even (frames_to_cut rounds with it)
  function roundHalfEven(x) {
    const f = Math.floor(x), diff = x - f;
    if (diff < 0.5) return f;
    if (diff > 0.5) return f + 1;
    return f % 2 === 0 ? f : f + 1;
  }

  function create(qc, unicode) {
    const fullWidth = makeLookup(unicode.full_width);
    const rtlRange = makeLookup(unicode.rtl);
    const rtlChar = (code) => rtlRange(code) >= 0;
    const decimalRange = makeLookup(unicode.decimal);
    const digitRange = makeLookup(unicode.digit);
    const marks = new Set(Array.from(unicode.direction_marks));
    const rtlOpeners = new Set(Array.from(unicode.rtl_openers));
    const latinRange = makeLookup(unicode.latin_like);
    const zeroWidthRange = makeLookup(unicode.zero_width);
    const latinLike = (c) => latinRange(c.codePointAt(0)) >= 0;
    const spaces = new Set(Array.from(unicode.space));
    const spaceClass = Array.from(unicode.space).map((c) => hex(c.codePointAt(0))).join("");
    const decimalClass = classOf(unicode.decimal);
    // A Python pattern of scodub.text as a JavaScript one: \s and \d mean what they
    // mean in Python (str.isspace, str.isdecimal)
    function pattern(source, flags) {
      let out = "";
      for (let k = 0; k < source.length; k++) {
        const c = source[k];
        if (c !== "\\") { out += c; continue; }
        const next = source[++k];
        if (next === "s") out += `[${spaceClass}]`;
        else if (next === "d") out += `[${decimalClass}]`;
        else out += c + next;
      }
      return new RegExp(out, flags);
    }
    const HTML_TAG = pattern(qc.tags.html, "gu");
    const TAG = pattern(`${qc.tags.ass}|${qc.tags.html}`, "gu");
    const BARE = pattern(qc.numbers.bare, "u");
    const WHITE_RUN = pattern("\\s+", "u");
    const known = new Set(qc.tags.known);
    const vttTags = new Set(qc.tags.vtt);
    const keepBefore = new Set(qc.numbers.keep_before);
    const sentenceEnd = qc.numbers.sentence_end;
    const DASH = qc.speaker_dash;
    const order = qc.rules.map((r) => r.id);
    const rank = Object.fromEntries(order.map((id, k) => [id, k]));
    const severity = Object.fromEntries(qc.rules.map((r) => [r.id, r.severity]));
    const ROUNDING_MS = 1; // SRT stores whole ms; frames at 23.976 fps do not fall on them

    const chars = (text) => Array.from(text);
    const isSpace = (c) => spaces.has(c);
    const stripMarks = (text) => chars(text).filter((c) => !marks.has(c)).join("");
    const stripTags = (text) => text.replace(TAG, "");
    const escapeVtt = (text) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
    // Python's review.page.vtt_line: one SRT line as WebVTT cue text (<i>, <b>, <u> kept
    // as WebVTT's own tags, other markup left out, the rest escaped)
    const vttLine = (line) => {
      let out = "";
      let pos = 0;
      for (const m of line.matchAll(TAG)) {
        out += escapeVtt(line.slice(pos, m.index));
        const name = (m[1] || "").toLowerCase();
        if (vttTags.has(name) && !m[0].endsWith("/>")) out += m[0].startsWith("</") ? `</${name}>` : `<${name}>`;
        pos = m.index + m[0].length;
      }
      return out + escapeVtt(line.slice(pos));
    };
    const invisible = new Set(Array.from(unicode.invisible || ""));
    // Python's visible_text: no tags, marks or zero-width characters, composed (NFC)
    const visibleText = (text) =>
      chars(stripMarks(stripTags(text))).filter((c) => !invisible.has(c)).join("").normalize("NFC");
    // Python's str.strip() / lstrip() / split()
    function strip(text, left = true, right = true) {
      const cs = chars(text);
      let a = 0, b = cs.length;
      while (left && a < b && isSpace(cs[a])) a++;
      while (right && b > a && isSpace(cs[b - 1])) b--;
      return cs.slice(a, b).join("");
    }
    const split = (text) => text.split(WHITE_RUN).filter((w) => w.length);
    const normalize = (text) => split(stripMarks(text)).join(" ");
    const isDigitChar = (c) => digitRange(c.codePointAt(0)) >= 0;
    const hasNumber = (text) => chars(text).some(isDigitChar);
    function decimalValue(digits) { // int() of \d{1,2}
      let value = 0;
      for (const c of chars(digits)) {
        const code = c.codePointAt(0);
        value = value * 10 + ((code - unicode.decimal[decimalRange(code)][0]) % 10);
      }
      return value;
    }

    // Python's join_words: a space between lines, in CJK only between two Latin words
    function joinWords(texts, lang) {
      const parts = texts.map((t) => strip(t)).filter((t) => t.length);
      if (!lang.cjk_width) return parts.join(" ");
      let out = "";
      for (const part of parts) {
        const last = chars(out).pop();
        if (last && latinLike(last) && latinLike(chars(part)[0])) out += " ";
        out += part;
      }
      return out;
    }

    function textWidth(text, lang) {
      const plain = chars(visibleText(text));
      if (!lang.cjk_width) return plain.length;
      let width = 0, previous = 0;
      for (const c of plain) {
        if (c === unicode.emoji_presentation) {
          width += Math.max(0, 1 - previous);
          previous = 1;
        } else if (zeroWidthRange(c.codePointAt(0)) < 0) {
          previous = fullWidth(c.codePointAt(0)) >= 0 ? 1 : 0.5;
          width += previous;
        }
      }
      return width;
    }

    function readingChars(lines) {
      let n = 0;
      for (const c of chars(visibleText(lines.join("")))) if (c !== "\r" && c !== "\n") n++;
      return n;
    }

    function readingSpeed(lines, duration) {
      const n = readingChars(lines);
      if (n === 0) return 0;
      if (duration <= 0) return Infinity;
      return (n * 1000) / duration;
    }

    function needsMarks(raw) {
      const line = stripTags(raw);
      if (line && rtlOpeners.has(chars(line)[0])) return false;
      const text = strip(stripMarks(line));
      if (!text) return false;
      const cs = chars(text);
      return !rtlChar(cs[0].codePointAt(0)) || !rtlChar(cs[cs.length - 1].codePointAt(0));
    }

    function speakerLines(lines) {
      const plain = lines.map((line) => strip(stripMarks(line)));
      return plain.length === 2 && plain.every((line) => line.startsWith(DASH));
    }

    function dualSpeakerProblem(lines) {
      const plain = lines.map((line) => strip(stripMarks(line)));
      const dashed = plain.filter((line) => line.startsWith(DASH));
      if (!plain.length) return "";
      if (plain.length !== 2 || dashed.length !== 2) return `${dashed.length} of ${plain.length} lines opened by a hyphen`;
      for (let k = 0; k < plain.length; k++) {
        const rest = plain[k].slice(DASH.length);
        const first = chars(rest)[0];
        if ((first !== undefined && isSpace(first)) || rest.startsWith(DASH) || !strip(rest)) {
          return `line ${k + 1}: one hyphen, then the text with no space`;
        }
      }
      return "";
    }

    function unknownTags(text) {
      if (!text.includes("<")) return [];
      const out = [];
      for (const m of text.matchAll(HTML_TAG)) if (!known.has(m[1].toLowerCase())) out.push(m[0]);
      return out;
    }

    // scodub.text.numbers: is this token a number to write out?
    const startsSentence = (previous) => {
      let text = previous;
      while (text && "\"')]".includes(text[text.length - 1])) text = text.slice(0, -1);
      return sentenceEnd.some((end) => text.endsWith(end));
    };
    function stripChars(text, set) {
      const cs = chars(text);
      let a = 0, b = cs.length;
      while (a < b && set.includes(cs[a])) a++;
      while (b > a && set.includes(cs[b - 1])) b--;
      return cs.slice(a, b).join("");
    }
    function spelled(number, style) {
      if (number >= 1 && number <= style.spell_max) return style.words[number];
      if (number >= 11 && number <= 19) return style.teens[number - 11];
      if (number >= 20 && number <= 99) return style.tens[Math.floor(number / 10)];
      return null;
    }
    function rewrites(text, start, before, after, style) {
      const m = BARE.exec(text);
      if (!m) return false;
      const digits = m[2], trail = m[3];
      if (digits.startsWith("0") || hasNumber(before) || hasNumber(after)) return false;
      const next = after.toLowerCase();
      if (trail.startsWith(":") || keepBefore.has(stripChars(next, ".,!?;")) || keepBefore.has(next)) return false;
      const number = decimalValue(digits);
      if (number > style.spell_max && !start) return false;
      return spelled(number, style) !== null;
    }
    function numberBreaches(text, style) {
      if (!style) return 0;
      const tokens = split(text);
      let breaches = 0;
      for (let k = 0; k < tokens.length; k++) {
        const before = k ? tokens[k - 1] : "";
        const after = k + 1 < tokens.length ? tokens[k + 1] : "";
        if (rewrites(tokens[k], k ? startsSentence(before) : false, before, after, style)) breaches++;
      }
      return breaches;
    }

    // ---- line breaks (scodub.text.linebreak._pair_cost, scodub.text.breakcheck) ----
    const LB = qc.linebreak;
    const COST = LB.costs;
    const upperRange = makeLookup(unicode.upper);
    const openingRange = makeLookup(unicode.opening);
    const FOLD = unicode.casefold;
    const fold = (text) => chars(text).map((c) => FOLD[c] ?? c).join(""); // str.casefold()
    const firstChar = (text) => chars(text)[0] ?? "";
    const lastChar = (text) => { const cs = chars(text); return cs.length ? cs[cs.length - 1] : ""; };
    function rstripChars(text, set) {
      const cs = chars(text);
      let b = cs.length;
      while (b > 0 && set.includes(cs[b - 1])) b--;
      return cs.slice(0, b).join("");
    }
    const inSet = (set, c) => c !== "" && set.includes(c);
    const bare = (word) => fold(stripChars(word, LB.bare_strip));
    function capitalised(word) {
      const cs = chars(word);
      let a = 0;
      while (a < cs.length && LB.capital_strip.includes(cs[a])) a++;
      return a < cs.length && upperRange(cs[a].codePointAt(0)) >= 0;
    }
    const opens = (c) => c !== "" && (openingRange(c.codePointAt(0)) >= 0 || LB.opening_extra.includes(c));
    const closes = (c) => c !== "" && !LB.not_closing.includes(c) && (LB.closers.includes(c)
      || LB.sentence_end.includes(c) || LB.clause_end.includes(c) || LB.closing_extra.includes(c));
    // linebreak._opening_end / _closing_start
    const openingEnd = (word) => word !== "" && chars(word).every(opens);
    function closingStart(word) {
      const cs = chars(word);
      const first = cs[0] ?? "", next = cs[1] ?? "";
      if (!closes(first)) return false;
      return !(LB.ambiguous_quotes.includes(first) && next !== "" && !closes(next));
    }
    const breakWords = new Map();
    function wordsOf(lang) {
      if (!breakWords.has(lang)) {
        const b = lang.breaks;
        breakWords.set(lang, {
          breakBefore: new Set(b.break_before), noBreakAfter: new Set(b.no_break_after),
          noBreakBefore: new Set(b.no_break_before), prefixes: b.break_before_prefixes,
          maybeNoBreakBefore: new Set(b.maybe_no_break_before), notNames: new Set(b.not_names),
          titles: new Set(b.titles),
        });
      }
      return breakWords.get(lang);
    }
    function baseCost(before, after, w) {
      const tail = lastChar(rstripChars(before, LB.closers));
      if (inSet(LB.sentence_end, tail)) return COST.sentence;
      if (inSet(LB.clause_end, tail)) return COST.clause;
      if (w.breakBefore.has(bare(after)) || w.prefixes.some((p) => after.startsWith(p))) return COST.before_conjunction;
      if (LB.dashes.includes(after)) return COST.clause;
      return COST.plain;
    }
    function pairCost(before, after, w) {
      if (before.endsWith(".") && w.titles.has(rstripChars(bare(before), ".")) && capitalised(after)) {
        return COST.plain + COST.glued; // a title's dot: "Mr. / Dashwood"
      }
      let cost = baseCost(before, after, w);
      if (openingEnd(before) || closingStart(after)) cost += COST.glued;
      const end = lastChar(before);
      if (inSet(LB.sentence_end, end) || inSet(LB.clause_end, end)) return cost;
      const first = bare(before), second = bare(after);
      if ((w.noBreakAfter.has(first) && !w.breakBefore.has(second)) || w.noBreakBefore.has(second)) {
        cost += COST.glued;
      } else if (w.maybeNoBreakBefore.has(second)) cost += COST.maybe_glued;
      if (capitalised(before) && capitalised(after) && !w.notNames.has(first) && !w.notNames.has(second)) {
        cost += COST.name;
      }
      return cost;
    }
    function misplacedBreak(lines, lang, maxWidth) {
      if (lang.cjk_width || lines.length !== 2) return "";
      const shown = lines.map(visibleText);
      if (shown.every((text) => LB.dashes.includes(firstChar(strip(text))))) return ""; // a line per speaker
      const first = split(shown[0]), second = split(shown[1]);
      if (!first.length || !second.length) return "";
      const w = wordsOf(lang);
      const forbidden = (a, b) => pairCost(a, b, w) >= LB.forbidden;
      const before = first[first.length - 1], after = second[0];
      if (!forbidden(before, after)) return "";
      const all = [...first, ...second];
      if (all.length > 2 * maxWidth) return ""; // no two lines can hold them
      for (let cut = 1; cut < all.length; cut++) {
        if (cut === first.length || forbidden(all[cut - 1], all[cut])) continue;
        if (textWidth(all.slice(0, cut).join(" "), lang) <= maxWidth
            && textWidth(all.slice(cut).join(" "), lang) <= maxWidth) return `${before} / ${after}`;
      }
      return "";
    }

    const issue = (index, rule, measured, limit, detail) => [index, rule, measured, limit, detail];

    function cueIssues(index, lines, start, end, speakers, lang) {
      const L = lang.limits;
      const out = [];
      const visible = lines.filter((line) => strip(visibleText(line)).length > 0);
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
      // two known speakers: a dual cue (hard); a cue that opens with a dash looks like one
      const knownDual = speakers.length >= 2;
      if (knownDual || strip(stripMarks(lines.length ? lines[0] : ""), true, false).startsWith(DASH)) {
        const problem = dualSpeakerProblem(lines);
        if (problem) out.push(issue(index, knownDual ? "dual_speaker" : "speaker_dash", lines.length, 2, problem));
      }
      if (visible.length > 1 && !speakerLines(lines)) {
        const width = textWidth(joinWords(lines.map(normalize), lang), lang);
        if (width <= L.max_chars_per_line) {
          out.push(issue(index, "one_line", width, L.max_chars_per_line, "fits on one line"));
        }
      }
      const misplaced = misplacedBreak(lines, lang, L.max_chars_per_line);
      if (misplaced) out.push(issue(index, "line_break", 1, 0, misplaced));
      const strange = lines.flatMap(unknownTags);
      if (strange.length) {
        const shown = chars([...new Set(strange)].join(", ")).slice(0, 80).join("");
        out.push(issue(index, "unknown_tags", strange.length, 0, shown));
      }
      const numerals = numberBreaches(visible.join(" "), lang.numbers);
      if (numerals) out.push(issue(index, "number_style", numerals, 0, "numbers to write out"));
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

    // ---- shot changes (scodub.text.shots) ----
    const framesToCut = (t, cut, fps) => roundHalfEven(((cut - t) * fps) / 1000);
    function bisect(list, x, lo, right) {
      let hi = list.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (right ? x < list[mid] : list[mid] >= x) hi = mid; else lo = mid + 1;
      }
      return lo;
    }
    function nearestCut(cuts, t, after) {
      const lo = after === undefined ? 0 : bisect(cuts, after, 0, true);
      const i = bisect(cuts, t, lo, false);
      let best = null;
      for (const j of [i - 1, i]) {
        if (j < lo || j >= cuts.length) continue;
        const c = cuts[j];
        if (best === null || Math.abs(c - t) < Math.abs(best - t) || (Math.abs(c - t) === Math.abs(best - t) && c < best)) best = c;
      }
      return best;
    }
    function clock(ms) {
      ms = Math.max(0, ms);
      const pad = (n, w) => String(n).padStart(w, "0");
      const s = Math.floor(ms / 1000), h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60;
      return `${pad(h, 2)}:${pad(m, 2)}:${pad(s % 60, 2)},${pad(ms % 1000, 3)}`;
    }
    function shotIssues(index, start, end, cuts, fps) {
      const out = [];
      const { snap_frames: snap, clear_frames: clear, out_gap_frames: wanted } = qc.shots;
      let cut = nearestCut(cuts, start);
      if (cut !== null) {
        const frames = framesToCut(start, cut, fps);
        if ((Math.abs(frames) > 0 && Math.abs(frames) <= snap) || (snap < frames && frames < clear)) {
          const where = frames > 0 ? "before" : "after";
          out.push(issue(index, "shot_in", frames, 0, `${Math.abs(frames)} frames ${where} the cut at ${clock(cut)}`));
        }
      }
      cut = nearestCut(cuts, end, start);
      if (cut !== null) {
        const frames = framesToCut(end, cut, fps);
        if (frames !== wanted && ((-snap <= frames && frames <= snap) || (snap < frames && frames < clear))) {
          const where = frames >= 0 ? "before" : "after";
          out.push(issue(index, "shot_out", frames, wanted, `${Math.abs(frames)} frames ${where} the cut at ${clock(cut)}`));
        }
      }
      return out;
    }

    const pageCuts = [...new Set(qc.cuts)].sort((a, b) => a - b);
    /** Issues of cues first..last-1 of a track as check_track finds them: cells are
     * [start_ms, end_ms, text] (lines split on \n); speakers[i] the ids of cue i's
     * speakers (may be missing); cuts the film's shot changes in ms (default: the
     * page's). As [index, rule, measured, limit, detail], sorted like check_track's;
     * measures unrounded. A cue's gap rules are its own: an edit of cue i changes the
     * issues of cues i-1 and i only. */
    function checkRange(cells, code, speakers = [], cuts = null, first = 0, last = cells.length) {
      const lang = qc.languages[code];
      const sortedCuts = cuts === null ? pageCuts : [...new Set(cuts)].sort((a, b) => a - b);
      const out = [];
      for (let i = Math.max(0, first); i < Math.min(last, cells.length); i++) {
        const [start, end, text] = cells[i];
        out.push(...cueIssues(i, text.split("\n"), start, end, speakers[i] || [], lang));
        if (i + 1 < cells.length) out.push(...gapIssues(i, cells[i], cells[i + 1], lang));
        if (qc.film_end_ms !== null && qc.film_end_ms !== undefined && end > qc.film_end_ms) {
          out.push(issue(i, "after_end", end, qc.film_end_ms, "ms"));
        }
        if (sortedCuts.length) out.push(...shotIssues(i, start, end, sortedCuts, qc.fps));
      }
      // stable, like Python's sort
      return out.sort((a, b) => a[0] - b[0] || rank[a[1]] - rank[b[1]]);
    }
    const checkTrack = (cells, code, speakers = [], cuts = null) => checkRange(cells, code, speakers, cuts);

    const words = (code, rule) => qc.languages[code].words[rule];
    // a measure as the page shows it (Python rounds the load-time ones to 2 places)
    const shown = (x) => (Number.isFinite(x) ? Math.round(x * 100) / 100 : x);
    return { checkTrack, checkRange, textWidth, readingSpeed, severity, words, order, stripMarks, shown, split, strip, visibleText, vttLine };
  }
  return { create };
})();
