/* scodub review: glossary names in a cell, found and checked as scodub.names.termcheck
 * does (find_terms, check_terms), for marking a cell again as an editor types. The terms
 * (forms already cut into folded words) and every character table come from the page
 * data (scodub.review.terms); a test compares the page with Python on edited cells.
 * Part of scodub (MIT). */
"use strict";

const ScodubTerms = (() => {
  function lookup(ranges) {
    return (code) => {
      let lo = 0, hi = ranges.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (code < ranges[mid][0]) hi = mid - 1;
        else if (code > ranges[mid][1]) lo = mid + 1;
        else return true;
      }
      return false;
    };
  }

  function create(glossary) {
    const M = glossary.match;
    const folds = new Map();
    const from = Array.from(M.fold_from), to = Array.from(M.fold_to);
    from.forEach((c, k) => folds.set(c, to[k]));
    const fold = (c) => folds.get(c) || c;
    const isWord = ((f) => (c) => f(c.codePointAt(0)))(lookup(M.word));
    const isAlphaChar = ((f) => (c) => f(c.codePointAt(0)))(lookup(M.alpha));
    const isCharWord = ((f) => (c) => f(c.codePointAt(0)))(lookup(M.character_word));
    const isAlpha = (s) => s.length > 0 && s.every(isAlphaChar); // str.isalpha of chars
    const apostrophes = Array.from(M.apostrophes);
    const zeroWidth = new Set(Array.from(M.zero_width));
    const stemFinals = new Set(Array.from(M.stem_finals));

    // match.tokens: [start, end, folded chars] in code points
    function tokens(text) {
      const cs = Array.from(text), out = [];
      let i = 0;
      const n = cs.length;
      while (i < n) {
        const ch = cs[i];
        if (!isWord(ch) || zeroWidth.has(ch)) { i++; continue; }
        if (isCharWord(ch)) { out.push([i, i + 1, [fold(ch)]]); i++; continue; }
        let j = i + 1;
        while (j < n) {
          const c = cs[j];
          const innerApostrophe = apostrophes.includes(c) && j + 1 < n && isWord(cs[j + 1]) && !isCharWord(cs[j + 1]);
          const ownWord = isWord(c) && !isCharWord(c) && !zeroWidth.has(c);
          if (innerApostrophe || ownWord) j++; else break;
        }
        out.push([i, j, cs.slice(i, j).map(fold)]);
        i = j;
      }
      return out;
    }
    const key = (chars) => chars.slice(0, 3).join("");
    function indexTokens(toks) {
      const index = new Map();
      toks.forEach((tok, i) => {
        const cut = tok[2].findIndex((c) => apostrophes.includes(c));
        const before = cut < 0 ? tok[2] : tok[2].slice(0, cut);
        for (const k of new Set([key(tok[2]), key(before)])) {
          if (!index.has(k)) index.set(k, []);
          index.get(k).push(i);
        }
      });
      return index;
    }
    const startsWith = (a, b) => b.length <= a.length && b.every((c, k) => a[k] === c);
    const same = (a, b) => a.length === b.length && startsWith(a, b);
    // match.word_matches: [matches, exact]
    function wordMatches(token, word, lang) {
      if (same(token, word)) return [true, true];
      for (const apos of apostrophes) {
        if (startsWith(token, [...word, apos]) && token.length - word.length - 1 <= 3) return [true, false];
      }
      const maxEnd = M.case_ending_max[lang];
      if (maxEnd === undefined || word.length < 3 || !isAlphaChar(word[word.length - 1])) return [false, false];
      if (startsWith(token, word) && token.length - word.length <= maxEnd) {
        return [isAlpha(token.slice(word.length).filter((c) => c !== "ʻ")), false];
      }
      let stem = word;
      for (let round = 0; round < 2; round++) {
        if (!stemFinals.has(stem[stem.length - 1]) || stem.length <= 3) break;
        stem = stem.slice(0, -1);
        const rest = token.slice(stem.length);
        if (startsWith(token, stem) && rest.length > 0 && rest.length <= maxEnd && isAlpha(rest)) return [true, false];
      }
      return [false, false];
    }

    // terms per language: [position, expected, forms] and the positions by first-word key
    const byLang = new Map();
    function table(lang) {
      if (byLang.has(lang)) return byLang.get(lang);
      const prefix = new Map();
      glossary.terms.forEach(([, forms], position) => {
        for (const words of (forms[lang] || ["", []])[1]) {
          const k = Array.from(words[0]).slice(0, 3).join("");
          if (!prefix.has(k)) prefix.set(k, []);
          const list = prefix.get(k);
          if (!list.length || list[list.length - 1] !== position) list.push(position);
        }
      });
      byLang.set(lang, prefix);
      return prefix;
    }
    const expectedOf = new Map();
    for (const [id, forms] of glossary.terms) if (!expectedOf.has(id)) expectedOf.set(id, forms);

    // wordcase.written_as_words, on each word's first character: a code per form word
    // (0 small, 1 capitalised, 2 capitalised and an ordinary word in lower case)
    function writtenAsWords(codes, firsts) {
      const named = codes.map((code, k) => [code, firsts[k]]).filter(([code]) => code !== 0);
      return named.length > 0 && named.every(([code, ch]) => code === 2 && /^\p{Ll}$/u.test(ch || ""));
    }

    /** termcheck.find_terms: [[term id, start, end, surface, exact], ...] in text order. */
    function findTerms(text, lang) {
      const cs = Array.from(text);
      const toks = tokens(text), index = indexTokens(toks), prefix = table(lang);
      const candidates = new Set();
      for (const k of index.keys()) for (const p of prefix.get(k) || []) candidates.add(p);
      const found = [];
      for (const position of [...candidates].sort((a, b) => a - b)) {
        const [id, forms] = glossary.terms[position];
        const [, formWords, formEdges, formCodes] = forms[lang] || ["", [], [], []];
        formWords.forEach((words, f) => {
          const [lead, tail] = (formEdges[f] || ["", ""]).map((e) => Array.from(e));
          const first = Array.from(words[0]).slice(0, 3).join("");
          const folded = words.map((w) => Array.from(w));
          for (const i of index.get(first) || []) {
            if (i + folded.length > toks.length) continue;
            let exact = true, ok = true;
            for (let k = 0; k < folded.length && ok; k++) {
              const [m, ex] = wordMatches(toks[i + k][2], folded[k], lang);
              ok = m;
              exact = exact && ex;
            }
            // wordcase.written_as_words: "a white ant" is no film White Ant
            if (ok && writtenAsWords(formCodes[f] || [], toks.slice(i, i + folded.length).map((t) => cs[t[0]]))) ok = false;
            if (ok) {
              let start = toks[i][0], end = toks[i + folded.length - 1][1];
              // match.form_edges: the signs around the form's words are the name's
              if (tail.length && same(cs.slice(end, end + tail.length).map(fold), tail)) end += tail.length;
              if (lead.length && start >= lead.length && same(cs.slice(start - lead.length, start).map(fold), lead)) start -= lead.length;
              found.push([id, start, end, cs.slice(start, end).join(""), exact]);
            }
          }
        });
      }
      found.sort((a, b) => (b[2] - b[1]) - (a[2] - a[1]) || a[1] - b[1] || (a[4] === b[4] ? 0 : a[4] ? -1 : 1));
      const chosen = [];
      for (const span of found) {
        if (chosen.every((c) => span[2] <= c[1] || span[1] >= c[2])) chosen.push(span);
      }
      return chosen.sort((a, b) => a[1] - b[1]);
    }

    /** The page's cells of a row, as pagedata.glossary_cells makes them: for the source
     * [[id, surface, "hit", surface]], for a translation [[id, expected, status, found]]
     * per term of the source cell, in order of first mention. */
    function sourceCell(text, lang) {
      return findTerms(text, lang).map((s) => [s[0], s[3], "hit", s[3]]);
    }
    // termcheck.source_terms: the source cell's term ids in order of first mention
    const sourceOrder = (sourceText, sourceLang) => [...new Set(findTerms(sourceText, sourceLang).map((s) => s[0]))];
    function checkCell(text, lang, sourceText, sourceLang, order = sourceOrder(sourceText, sourceLang)) {
      if (!order.length) return [];
      const found = new Map();
      for (const span of findTerms(text, lang)) {
        if (!found.has(span[0])) found.set(span[0], []);
        found.get(span[0]).push(span);
      }
      const repaired = new Set((glossary.repaired || {})[lang] || []);
      return order.map((id) => {
        const forms = expectedOf.get(id) || {};
        const expected = (forms[lang] || [""])[0];
        const spans = found.get(id) || [];
        const status = spans.length ? (repaired.has(id) ? "repaired" : "hit") : "miss";
        return [id, expected, status, spans.length ? spans[0][3] : ""];
      });
    }
    return { findTerms, sourceCell, sourceOrder, checkCell, tokens };
  }
  return { create };
})();
