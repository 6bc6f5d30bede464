(() => {
  "use strict";
  const byId = (id) => document.getElementById(id);
  const all = (selector) => Array.from(document.querySelectorAll(selector));
  for (const control of all("[data-needs-script]")) control.hidden = false;

  // --- Search: rank with the index `tp export` built with SQLite FTS5 (see page_index.py). ---
  const index = JSON.parse(byId("search-index").textContent);
  const entries = index.slugs.map((slug) => byId(slug));
  const total = entries.length;
  const stopWords = new Set(index.stop);
  const surface = Object.keys(index.stems).concat(Object.keys(index.postings));
  const average = index.columns.map((_, c) =>
    index.lengths.reduce((sum, lengths) => sum + lengths[c], 0) / Math.max(total, 1));
  const normal = (word) => word.toLowerCase().normalize("NFD").replace(/\p{M}/gu, "");
  const words = (text) => normal(text).match(/[\p{L}\p{N}]+/gu) || [];
  const stemOf = (word) => index.stems[word] || (index.postings[word] ? word : null);
  const distance = (a, b) => { // Levenshtein, one row at a time
    let row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i += 1) {
      const next = [i];
      for (let j = 1; j <= b.length; j += 1) {
        next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      }
      row = next;
    }
    return row[b.length];
  };
  const ending = /^(e?s|e?d|ing|ings|ers?|ly|ments?|ations?|ants?|ents?|ive|ness|al|ies|ied|y)$/;
  const resolve = (word) => { // -> [[stem, weight]]: exact word, shared root, then nearest words
    const exact = stemOf(word);
    if (exact) return [[exact, 1]];
    const roots = Object.keys(index.postings).filter((stem) => stem.length >= 3
      && [stem, stem.replace(/i$/, "y")].some((root) => word.startsWith(root)
        && ending.test(word.slice(root.length)))).sort((a, b) => b.length - a.length);
    if (roots.length) return [[roots[0], 0.9]];
    const limit = word.length <= 4 ? 1 : 2;
    let best = limit + 1;
    let near = [];
    for (const candidate of surface) {
      if (Math.abs(candidate.length - word.length) > limit) continue;
      const d = distance(word, candidate);
      if (d < best) { best = d; near = []; }
      if (d === best) near.push(candidate);
    }
    return Array.from(new Set(near.map(stemOf))).map((stem) => [stem, 0.8]);
  };
  const rank = (query) => { // BM25F over the columns, weighted 3/2/1; best first
    const scores = new Map();
    const found = new Map(); // entry -> stems matched in its answer
    const covered = new Map(); // entry -> how many query words it holds
    const matched = new Set();
    const typed = Array.from(new Set(words(query)));
    const topical = typed.filter((word) => !stopWords.has(word));
    // Only function words ("what is it"): as `tp ask`, only the questions' wording counts,
    // and one such word alone finds nothing.
    const shapeOnly = !topical.length;
    const searched = topical.length ? topical : typed.length > 1 ? typed : [];
    for (const word of searched) {
      const holders = new Set();
      for (const [stem, weight] of shapeOnly ? [[stemOf(word), 1]].filter(([stem]) => stem) : resolve(word)) {
        const postings = index.postings[stem] || [];
        const idf = Math.log(1 + (total - postings.length + 0.5) / (postings.length + 0.5));
        for (const [entry, ...counts] of postings) {
          if (shapeOnly && !counts[0]) continue;
          const tf = counts.reduce((sum, count, c) => sum + (shapeOnly && c ? 0 : 1)
            * index.weights[c] * count / (0.25 + 0.75 * index.lengths[entry][c] / average[c]), 0);
          scores.set(entry, (scores.get(entry) || 0) + weight * idf * tf / (1.2 + tf));
          holders.add(entry);
          if (!shapeOnly && counts[counts.length - 1] > 0) {
            found.set(entry, (found.get(entry) || new Set()).add(stem));
          }
        }
        matched.add(stem);
      }
      for (const entry of holders) covered.set(entry, (covered.get(entry) || 0) + 1);
    }
    for (const [entry, score] of scores) { // covering more of the query beats repeating one word
      scores.set(entry, score * covered.get(entry) / searched.length);
    }
    const best = Math.max(0, ...scores.values());
    const ranked = Array.from(scores).filter(([, score]) => score >= best * 0.1)
      .sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([entry]) => entry);
    return { ranked, found, matched };
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
