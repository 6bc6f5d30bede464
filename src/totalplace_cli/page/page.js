(() => {
  "use strict";
  const byId = (id) => document.getElementById(id);
  const all = (selector) => Array.from(document.querySelectorAll(selector));
  for (const control of all("[data-needs-script]")) control.hidden = false;

  // --- Search: `tp ask --kind faq`'s rules (search.py) on the index `tp export` built from its
  // own (export.py, build_page_index): the same words, thesaurus, other phrasings, ranking and "no match". ---
  const index = JSON.parse(byId("search-index").textContent);
  const rules = index.rules;
  const weights = rules.weights;
  const entries = index.slugs.map((slug) => byId(slug));
  const total = entries.length;
  const stopWords = new Set(index.stop);
  const docs = index.tokens.map((columns) => columns.map((ids) => ids.map((id) => index.vocabulary[id])));
  const known = new Set(index.vocabulary);
  const rowLength = docs.map((columns) => columns.reduce((sum, column) => sum + column.length, 0));
  const averageLength = rowLength.reduce((a, b) => a + b, 0) / Math.max(total, 1);
  const dataSize = Math.max(1, docs.reduce((sum, columns) =>
    sum + columns.reduce((inner, column, c) => inner + weights[c] * column.length, 0), 0));
  const english = new Map();
  for (const [size, list] of Object.entries(index.english)) {
    for (const word of list.split(" ")) english.set(word, 10 ** Number(size));
  }
  const englishCount = (word) => english.get(word) || 0;
  const isCommonEnglish = (word) => englishCount(word) >= rules.common_word_count;
  // A word the page knows no count for is taken as a rare English word (see export.py, build_page_index).
  const countOrDefault = (word) => (english.has(word) ? englishCount(word)
    : (index.surface[word] ? 0 : rules.default_english_count));
  const normal = (word) => word.toLowerCase().normalize("NFD").replace(/\p{M}/gu, "");
  const WORD = /(?:\d+(?:\.\d+)+|[\p{L}\p{N}]+)(?:['\u2019][\p{L}\p{N}]+)*/gu;
  const UNITS = { bn: "billion", mn: "million" };
  const queryWords = (text) => Array.from(normal(text).matchAll(WORD), (match) => {
    let word = match[0].replace(/\u2019/g, "'");
    if (word.endsWith("'s")) word = word.slice(0, -2);
    word = UNITS[word] || word;
    word = word.replace(/(?<=\p{L}{3})iz(e|es|ed|er|ers|ing|ation|ations)$/u, "is$1");
    return /^\d+k$/.test(word) ? [word.slice(0, -1), "000"] : [word]; // "250k" is "250,000"
  }).flat().filter(Boolean);
  // The page has no Porter stemmer: a word neither the data nor the thesaurus writes is taken
  // to a stem they hold when only an inflection is left over ("bodys" is "bodi", as for body).
  const roots = Array.from(new Set([...index.vocabulary, ...Object.keys(index.synonyms)]))
    .filter((stem) => stem.length >= 3 && !stem.includes(" ")).sort((a, b) => b.length - a.length);
  const ending = /^(e?s|e?d|ing|ings|ers?|ly|ments?|ations?|ness|ies|ied|y)$/;
  const rootOf = (word) => roots.find((stem) => [stem, stem.replace(/i$/, "y")].some((root) =>
    word.startsWith(root) && ending.test(word.slice(root.length)))) || null;
  const stemOf = (word) => index.stems[word] || (known.has(word) ? word : rootOf(word));
  const stemsOf = (word) => (stemOf(word) || word).split(" ");
  const idf = (documents) => Math.log(1 + (total - documents + 0.5) / (documents + 0.5));
  const osa = (a, b) => { // optimal string alignment: edits, a swap of neighbours counting one
    const rows = [Array.from({ length: b.length + 1 }, (_, j) => j)];
    for (let i = 1; i <= a.length; i += 1) {
      rows.push([i]);
      for (let j = 1; j <= b.length; j += 1) {
        let d = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2][j - 2] + 1);
        rows[i].push(d);
      }
    }
    return rows[a.length][b.length];
  };
  const indel = (a, b) => { // letters left out or added (a change counts two)
    let row = new Array(b.length + 1).fill(0);
    for (let i = 1; i <= a.length; i += 1) {
      const next = [0];
      for (let j = 1; j <= b.length; j += 1) {
        next.push(a[i - 1] === b[j - 1] ? row[j - 1] + 1 : Math.max(row[j], next[j - 1]));
      }
      row = next;
    }
    return a.length + b.length - 2 * row[b.length];
  };
  const before = (x, y) => { for (let i = 0; i < x.length; i += 1) if (x[i] !== y[i]) return x[i] < y[i]; return false; };
  const correct = (word) => { // search.py's _correct: the closest written word of the data
    if (word.length < 3 || /^\d/.test(word) || isCommonEnglish(word)) return null;
    const short = word.length <= 5;
    const candidates = new Map();
    for (const [w, count] of Object.entries(index.surface)) {
      if (!/^\d/.test(w) && (!short || w[0] === word[0])) candidates.set(w, count);
    }
    for (const w of stopWords) if (w[0] === word[0] && w.length > 2) candidates.set(w, 0);
    let best = null;
    for (const [w, count] of candidates) {
      const d = osa(word, w);
      if (d > (short ? 1 : 2)) continue;
      const key = [d, indel(word, w), w[0] !== word[0] ? 1 : 0, -englishCount(w), -count, w];
      if (best === null || before(key, best[1])) best = [w, key];
    }
    return best && best[0];
  };
  const sameRoot = (word) => { // "geography" meets "geographical", which Porter stems apart
    if (word.length < 8) return null;
    let best = null;
    for (const [w, count] of Object.entries(index.surface)) {
      if (!w.startsWith(word.slice(0, 7))) continue;
      let shared = 0;
      while (shared < Math.min(w.length, word.length) && w[shared] === word[shared]) shared += 1;
      if (w.length - shared > 4 || word.length - shared > 4) continue;
      const key = [-shared, -count, w];
      if (best === null || before(key, best[1])) best = [w, key];
    }
    return best && best[0];
  };
  const split = (word) => { // two words run together ("totalplace")
    for (let cut = 3; cut < word.length - 2; cut += 1) {
      const [head, tail] = [word.slice(0, cut), word.slice(cut)];
      if (stemOf(head) && stemOf(tail)) return [head, tail];
    }
    return [];
  };
  // A term is a run of stems (a phrase) or, with `all`, stems that must all be there.
  const phraseCount = (column, stems) => {
    let n = 0;
    for (let i = 0; i + stems.length <= column.length; i += 1) {
      if (stems.every((stem, k) => column[i + k] === stem)) n += 1;
    }
    return n;
  };
  const countsIn = (entry, term, columns) => docs[entry].map((column, c) => {
    if (!columns.includes(c)) return 0;
    return term.all ? term.stems.filter((stem) => column.includes(stem)).length : phraseCount(column, term.stems);
  });
  const holds = (entry, term, columns) => {
    const counts = countsIn(entry, term, columns);
    return term.all ? term.stems.every((stem) => columns.some((c) => docs[entry][c].includes(stem)))
      : counts.some((count) => count > 0);
  };
  const ALL = [0, 1, 2, 3];
  const documents = (term) => docs.filter((_, entry) => holds(entry, term, ALL)).length;
  // FTS5's IDF, except that a word in half the entries or more keeps BM25's usual one.
  const bm25Idf = (n) => (n < total / 2 ? Math.log((total - n + 0.5) / (n + 0.5)) : idf(n));
  const tf = (entry, term, columns) => { // FTS5's BM25 without its IDF
    const f = countsIn(entry, term, columns).reduce((sum, count, c) => sum + weights[c] * count, 0);
    return (f * 2.2) / (f + 1.2 * (0.25 + 0.75 * rowLength[entry] / averageLength));
  };
  const occurrences = (stems) => docs.reduce((sum, columns) =>
    sum + columns.reduce((inner, column, c) => inner + weights[c] * phraseCount(column, stems), 0), 0);
  const keyness = (stems, count) =>
    Math.log(((occurrences(stems) + 0.5) / dataSize) / ((count + 50) / index.sizes.english));
  const information = (count) =>
    Math.max(0, Math.log(rules.information_total / (count + rules.information_smoothing)));

  const analyse = (query) => { // search.py's _analyse: the ideas of a query and its unknown words
    const typed = queryWords(query);
    const stems = typed.flatMap(stemsOf);
    const content = typed.map((word) => !stopWords.has(word));
    const term = (stems, label, weight, isTyped = true, all = false) =>
      ({ stems, label, weight, typed: isTyped, all });
    const held = (terms, columns = ALL) => terms.filter((t) => docs.some((_, entry) => holds(entry, t, columns)));
    if (!content.some(Boolean)) { // only function words: the questions' wording decides
      const shape = held(Array.from(new Set(typed), (word) => term(stemsOf(word), word, 1)), [0]);
      return { ideas: typed.length > 1 ? shape.map((t) => ({ typed: [t.label], terms: [t] })) : [],
        unknown: [], offTopic: [], shape: true, stems };
    }
    const runs = new Map();
    const candidates = [];
    for (let start = 0; start < typed.length; start += 1) {
      for (let end = start + 1; end <= Math.min(typed.length, start + rules.max_phrase_words); end += 1) {
        if (content.slice(start, end).some(Boolean)) candidates.push([start, end]);
      }
    }
    candidates.sort((a, b) => (b[1] - b[0]) - (a[1] - a[0]));
    const taken = new Set();
    for (const [start, end] of candidates) {
      const key = typed.slice(start, end).flatMap(stemsOf).join(" ");
      const span = Array.from({ length: end - start }, (_, k) => start + k);
      if (index.synonyms[key] && span.every((i) => !taken.has(i))) {
        runs.set(start, [end, index.synonyms[key]]);
        for (const i of span) taken.add(i);
      }
    }
    const ideas = [];
    const unknown = [];
    const offTopic = [];
    const seen = new Set();
    let position = 0;
    while (position < typed.length) {
      const [end, expansions] = runs.get(position) || [position + 1, []];
      const run = typed.slice(position, end);
      const hasContent = content.slice(position, end).some(Boolean);
      position = end;
      if (seen.has(run.join(" ")) || !hasContent) continue;
      seen.add(run.join(" "));
      let terms;
      if (run.length === 1) {
        terms = [term(stemsOf(run[0]), run[0], 1)];
      } else { // the run as typed, all its words, or a share of them
        const own = run.filter((word) => !stopWords.has(word));
        terms = [term(run.flatMap(stemsOf), run.join(" "), 1), term(own.flatMap(stemsOf), own.join(" "), 1, true, true)];
        if (own.length > 1) terms.push(...own.map((word) => term(stemsOf(word), word, 1 / own.length)));
      }
      terms.push(...expansions.map((stems) => term(stems, stems.join(" "), rules.expansion_weight, false)));
      const unique = new Map();
      for (const t of terms) {
        const key = `${t.all}:${t.stems.join(" ")}`;
        if (!unique.has(key)) unique.set(key, t);
      }
      const found = held(Array.from(unique.values()));
      if (found.length || run.length > 1 || expansions.length) {
        if (found.length) ideas.push({ typed: run, terms: found });
        else unknown.push(...run.filter((word) => !stopWords.has(word)));
        continue;
      }
      const word = run[0];
      if (/^\d/.test(word)) continue; // a number the data lacks says little about the topic
      const corrected = correct(word);
      if (corrected !== null && stopWords.has(corrected)) continue; // "waht" was "what"
      const root = corrected ? null : sameRoot(word);
      const replacement = corrected ? [corrected] : root ? [root] : split(word);
      if (!replacement.length) {
        unknown.push(word);
        if (!english.has(word) || isCommonEnglish(word)) offTopic.push(word);
        continue;
      }
      for (const part of replacement) {
        if (seen.has(part)) continue;
        seen.add(part);
        const found = held([term(stemsOf(part), part, 1)]);
        if (found.length) ideas.push({ typed: [part], terms: found });
      }
    }
    return { ideas, unknown, offTopic, shape: false, stems };
  };

  const offTopic = (analysed, found, best) => { // search.py's _off_topic
    const text = ` ${analysed.stems.join(" ")} `;
    const elsewhere = index.elsewhere.filter((stems) => text.includes(` ${stems.join(" ")} `)
      && !holds(best, { stems, all: false }, ALL)); // search.py's _elsewhere
    const against = analysed.offTopic.map(countOrDefault)
      .filter((count) => count < rules.generic_word_count)
      .reduce((sum, count) => sum + information(count), information(0) * elsewhere.length);
    if (!against) return false;
    const share = (idea) => (idea.terms.some((t) => holds(best, t, [0, 1, 2])) ? 1 : rules.answer_share);
    const runKeyness = (typedWords) => {
      const own = typedWords.filter((word) => !stopWords.has(word));
      if (!own.length) return 0; // function words alone ("near me") name no topic
      const rarest = Math.min(...own.map(englishCount));
      const run = typedWords.flatMap(stemsOf);
      if (own.length === 1 || occurrences(run)) return keyness(run, rarest);
      return Math.min(...own.map((word) => keyness(stemsOf(word), englishCount(word))));
    };
    const counted = (key) => Math.max(0, Math.min(key, rules.keyness_cap) - rules.keyness_floor);
    let support = 0;
    const ideas = analysed.ideas.filter((idea) => found.includes(idea));
    while (ideas.length) {
      const idea = ideas.shift();
      const pair = ideas.length ? [...idea.typed, ...ideas[0].typed] : [];
      if (pair.length === 2 && occurrences(pair.flatMap(stemsOf))) {
        support += counted(runKeyness(pair) * Math.min(share(idea), share(ideas[0])));
        ideas.shift();
        continue;
      }
      let key;
      if (idea.terms.some((t) => t.typed)) {
        key = runKeyness(idea.typed);
      } else { // found through the thesaurus: the data's rate of what it found
        const rarest = Math.min(...idea.typed.filter((word) => !stopWords.has(word)).map(englishCount));
        key = rules.expansion_weight * Math.max(...idea.terms.map((t) => keyness(t.stems, rarest)));
      }
      support += counted(key * share(idea));
    }
    return support < rules.off_topic_ratio * against;
  };

  const rank = (query) => { // search.py's _rank and search(): best first, [] for "no match"
    const analysed = analyse(query);
    const { ideas } = analysed;
    const found = new Map(); // entry -> stems matched in its answer
    const matched = new Set();
    if (!ideas.length) return { ranked: [], found, matched };
    const columns = analysed.shape ? [0] : ALL;
    const weight = ideas.map((idea) => Math.max(...idea.terms.map((t) => idf(documents(t)))));
    const queryWeight = weight.reduce((a, b) => a + b, 0) + idf(0) * analysed.unknown.length;
    const singles = ideas.filter((idea) => idea.typed.length === 1).map((idea) => idea.typed[0]);
    const pairs = singles.slice(1).map((word, i) => ({ stems: [...stemsOf(singles[i]), ...stemsOf(word)], typed: true }));
    // Each term with its IDF; a word the thesaurus added counts at most as much as the word typed.
    const scored = [...ideas.flatMap((idea) => {
      const own = Math.max(0, ...idea.terms.filter((t) => t.typed).map(documents));
      return idea.terms.filter((t) => !t.all).map((t) => [t, t.typed ? bm25Idf(documents(t))
        : rules.expansion_weight * Math.min(bm25Idf(documents(t)), own ? bm25Idf(own) : Infinity)]);
    }), ...pairs.map((t) => [t, bm25Idf(documents(t))])];
    const ranked = new Map();
    const coverage = new Map();
    const ideasFound = new Map();
    for (let entry = 0; entry < total; entry += 1) {
      let score = 0;
      for (const [t, weighted] of scored) {
        if (holds(entry, t, columns)) score += weighted * tf(entry, t, columns);
      }
      let covered = 0;
      const own = [];
      ideas.forEach((idea, i) => {
        const held = idea.terms.filter((t) => holds(entry, t, columns));
        if (!held.length) return;
        covered += weight[i] * Math.max(...held.map((t) => t.weight)) / queryWeight;
        own.push(idea);
        for (const t of held) {
          if (!t.all && holds(entry, t, [3])) {
            found.set(entry, (found.get(entry) || new Set()));
            for (const stem of t.stems) found.get(entry).add(stem);
          }
          for (const stem of t.stems) matched.add(stem);
        }
      });
      if (!own.length) continue;
      coverage.set(entry, covered);
      ideasFound.set(entry, own);
      ranked.set(entry, score * covered ** rules.coverage_power);
    }
    const order = Array.from(ranked.keys()).sort((a, b) => ranked.get(b) - ranked.get(a) || a - b);
    const best = order[0];
    if (best === undefined || ranked.get(best) <= 0 || coverage.get(best) < rules.min_coverage
      || analysed.offTopic.length > ideas.length || offTopic(analysed, ideasFound.get(best), best)) {
      return { ranked: [], found: new Map(), matched };
    }
    const cutoff = rules.relative_cutoff * ranked.get(best);
    return { ranked: order.filter((entry) => ranked.get(entry) >= cutoff), found, matched };
  };

  const search = byId("question-search");
  const status = byId("question-status");
  const noResults = byId("no-results");
  const list = byId("question-list");
  const unmark = () => {
    for (const mark of all("#question-list mark")) mark.replaceWith(mark.textContent);
    list.normalize();
  };
  const markWords = (element, stems) => {
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    const nodes = [];
    while (walker.nextNode()) nodes.push(walker.currentNode);
    for (const node of nodes) {
      const text = node.textContent;
      const pieces = [];
      let last = 0;
      for (const match of text.matchAll(/[\p{L}\p{N}]+/gu)) {
        if (!stems.has(stemOf(normal(match[0])))) continue;
        pieces.push(text.slice(last, match.index));
        const mark = document.createElement("mark");
        mark.textContent = match[0];
        pieces.push(mark);
        last = match.index + match[0].length;
      }
      if (pieces.length) { pieces.push(text.slice(last)); node.replaceWith(...pieces); }
    }
  };
  let openedBySearch = [];
  const applySearch = () => {
    unmark();
    for (const item of openedBySearch) item.open = false;
    openedBySearch = [];
    const query = search.value.trim();
    noResults.hidden = true;
    if (!query) {
      for (const item of entries) { item.hidden = false; list.append(item); }
      status.textContent = "";
      status.classList.remove("visually-hidden");
      return;
    }
    const { ranked, found } = rank(query);
    for (const item of entries) item.hidden = true;
    for (const entry of ranked) {
      const item = entries[entry];
      item.hidden = false;
      list.append(item);
      if (found.has(entry)) {
        markWords(item.querySelector(".answer"), found.get(entry));
        if (!item.open) { item.open = true; openedBySearch.push(item); }
      }
    }
    for (const item of entries) if (item.hidden) list.append(item);
    status.textContent = ranked.length
      ? `${ranked.length} of ${total} questions match \u201c${query}\u201d, best match first`
      : `No question matches \u201c${query}\u201d`;
    byId("no-results-query").textContent = query;
    noResults.hidden = ranked.length > 0;
    status.classList.toggle("visually-hidden", ranked.length === 0); // the advice says it
  };

  // --- The address keeps the search, the filters (query string) and the open question (#id). ---
  const region = byId("pilot-region");
  const theme = byId("pilot-theme");
  const remember = (hash) => {
    const url = new URL(location.href);
    const params = { q: search.value.trim(), region: region ? region.value : "", theme: theme ? theme.value : "" };
    for (const [key, value] of Object.entries(params)) {
      if (value) url.searchParams.set(key, value); else url.searchParams.delete(key);
    }
    if (hash !== undefined) url.hash = hash;
    try { history.replaceState(null, "", url.href); } catch (error) { /* some file: URLs refuse */ }
  };
  search.addEventListener("input", () => { applySearch(); remember(); });
  byId("clear-search").addEventListener("click", () => {
    search.value = ""; applySearch(); remember(); search.focus();
  });

  // --- Show all / Hide all, and the address of the question last opened. ---
  const toggleAll = byId("toggle-all");
  const shown = () => entries.filter((item) => !item.hidden);
  const updateToggleAll = () => {
    const open = shown().length > 0 && shown().every((item) => item.open);
    toggleAll.textContent = open ? "Hide all sections" : "Show all sections";
    toggleAll.setAttribute("aria-expanded", String(open));
  };
  toggleAll.addEventListener("click", () => {
    const open = toggleAll.getAttribute("aria-expanded") !== "true";
    for (const item of shown()) item.open = open;
    updateToggleAll();
  });
  let applying = false;
  for (const item of entries) {
    item.addEventListener("toggle", () => {
      updateToggleAll();
      if (!applying && !item.open && location.hash === `#${item.id}`) remember("");
    });
    item.querySelector("summary").addEventListener("click", () => {
      if (!item.open) setTimeout(() => remember(`#${item.id}`));
    });
  }
  const openLinkedQuestion = () => {
    let id = location.hash.slice(1);
    try { id = decodeURIComponent(id); } catch (error) { /* a malformed link: use it as typed */ }
    const target = id ? byId(id) : null;
    if (target === null || !target.matches("details.question")) return;
    if (target.hidden) { search.value = ""; applySearch(); remember(); }
    target.open = true;
    target.scrollIntoView();
  };
  window.addEventListener("hashchange", openLinkedQuestion);

  // --- Pilot filters: table rows (cards on a phone) and the pilots' details. ---
  const pilotItems = all("#pilot-table tbody tr, article.pilot");
  const rows = all("#pilot-table tbody tr");
  const pilotStatus = byId("pilot-status");
  const filterPilots = () => {
    for (const item of pilotItems) {
      const themes = JSON.parse(item.dataset.themes || "[]");
      item.hidden = (region.value !== "" && item.dataset.region !== region.value)
        || (theme !== null && theme.value !== "" && !themes.includes(theme.value));
    }
    const count = rows.filter((row) => !row.hidden).length;
    pilotStatus.textContent = `${count} of ${rows.length} pilots shown`;
  };
  const choose = (select, value) => {
    if (select && value && Array.from(select.options).some((option) => option.value === value)) {
      select.value = value;
    }
  };
  for (const select of [region, theme]) {
    if (select) select.addEventListener("change", () => { filterPilots(); remember(); });
  }

  let openedForPrint = [];
  window.addEventListener("beforeprint", () => {
    openedForPrint = entries.filter((item) => !item.open);
    for (const item of openedForPrint) item.open = true;
  });
  window.addEventListener("afterprint", () => {
    for (const item of openedForPrint) item.open = false;
    openedForPrint = [];
  });

  // Start from the address (a shared link), else what the browser restored on reload.
  const params = new URLSearchParams(location.search);
  if (params.has("q")) search.value = params.get("q");
  choose(region, params.get("region"));
  choose(theme, params.get("theme"));
  applying = true;
  applySearch();
  filterPilots();
  openLinkedQuestion();
  updateToggleAll();
  applying = false;
})();
