// Client-side search over the JSON index emitted by layouts/home.json.
//
// Markup (layouts/_partials/header.html):
//   <form id="search-form" role="search" data-index-url="/index.json">
//     <input id="search-input" type="search">
//     <div id="search-panel" hidden>
//       <p id="search-count"></p>
//       <ul id="search-results" aria-live="polite"></ul>
//     </div>
//   </form>
//
// The index is fetched once, on first focus or input. Every query word must
// match somewhere (title, authors, tags, summary or text, case-insensitive);
// title and tag matches rank first.

export interface Entry {
  title: string;
  url: string;
  day?: number | string;
  year?: number | string;
  authors?: string[];
  tags?: string[];
  lab?: string;
  summary?: string;
  content?: string;
}

interface Prepared {
  entry: Entry;
  title: string;
  tags: string[];
  authors: string;
  summary: string;
  content: string;
}

export interface Hit {
  entry: Entry;
  score: number;
}

const MAX_RESULTS = 20;

function norm(s: unknown): string {
  return String(s == null ? "" : s).toLowerCase();
}

function prepare(entries: Entry[]): Prepared[] {
  return entries.map((entry) => ({
    entry,
    title: norm(entry.title),
    tags: (entry.tags || []).map(norm),
    authors: (entry.authors || []).map(norm).join(" \u0000 "),
    summary: norm(entry.summary),
    content: norm(entry.content),
  }));
}

export function tokenize(query: string): string[] {
  return norm(query)
    .split(/\s+/)
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
}

function scoreOne(p: Prepared, terms: string[], phrase: string): number {
  let total = 0;
  for (const t of terms) {
    let s = 0;
    if (p.title.includes(t)) s += 100;
    if (p.tags.some((tag) => tag === t)) s += 80;
    else if (p.tags.some((tag) => tag.includes(t))) s += 60;
    if (p.authors.includes(t)) s += 30;
    if (p.summary.includes(t)) s += 10;
    if (p.content.includes(t)) s += 3;
    if (s === 0) return 0; // every word must match somewhere
    total += s;
  }
  if (terms.length > 1 && p.title.includes(phrase)) total += 50;
  return total;
}

function sortKey(e: Entry): number {
  return (Number(e.year) || 0) * 100 + (Number(e.day) || 0);
}

export function search(index: Prepared[], query: string): Hit[] {
  const terms = tokenize(query);
  if (terms.length === 0) return [];
  const phrase = terms.join(" ");
  const hits: Hit[] = [];
  for (const p of index) {
    const score = scoreOne(p, terms, phrase);
    if (score > 0) hits.push({ entry: p.entry, score });
  }
  hits.sort((a, b) => b.score - a.score || sortKey(b.entry) - sortKey(a.entry));
  return hits;
}

/**
 * The text around index at: from about `before` characters before it to
 * about `after` characters after it, cut at word boundaries (never inside
 * the word at `at`), with "…" where the text goes on.
 */
export function wordSlice(text: string, at: number, before: number, after: number): string {
  const isSpace = (c: string | undefined) => c === undefined || /\s/.test(c);
  let start = Math.max(0, at - before);
  if (!isSpace(text[start - 1])) {
    const next = text.slice(start, at).search(/\s/);
    if (next >= 0) start += next + 1;
    else while (start > 0 && !isSpace(text[start - 1])) start--; // the word at `at`
  }
  let end = Math.min(text.length, at + after);
  if (!isSpace(text[end])) {
    let back = end;
    while (back > at && !isSpace(text[back - 1])) back--;
    if (back > at) end = back;
  }
  const body = text.slice(start, end).trim();
  return (start > 0 ? "…" : "") + body + (end < text.length ? "…" : "");
}

export function snippet(e: Entry, terms: string[]): string {
  const text = e.summary || e.content || "";
  const lower = text.toLowerCase();
  const content = e.content || "";
  for (const t of terms) {
    if (lower.includes(t)) break;
    const i = content.toLowerCase().indexOf(t);
    if (i >= 0) {
      return wordSlice(content, i, 60, 120);
    }
  }
  return text.length > 180 ? wordSlice(text, 0, 0, 180) : text;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Appends text to el, wrapping query-word matches in <mark>. */
function appendHighlighted(el: HTMLElement, text: string, terms: string[]): void {
  if (terms.length === 0) {
    el.textContent = text;
    return;
  }
  const re = new RegExp("(" + terms.map(escapeRegExp).join("|") + ")", "gi");
  let last = 0;
  text.replace(re, (m: string, _g: string, offset: number) => {
    if (offset > last) el.appendChild(document.createTextNode(text.slice(last, offset)));
    const mark = document.createElement("mark");
    mark.textContent = m;
    el.appendChild(mark);
    last = offset + m.length;
    return m;
  });
  if (last < text.length) el.appendChild(document.createTextNode(text.slice(last)));
}

export function initSearch(doc: Document): void {
  const form = doc.getElementById("search-form") as HTMLFormElement | null;
  const input = doc.getElementById("search-input") as HTMLInputElement | null;
  const panel = doc.getElementById("search-panel");
  const list = doc.getElementById("search-results");
  const count = doc.getElementById("search-count");
  if (!form || !input || !panel || !list || !count) return;

  const indexUrl = new URL(form.getAttribute("data-index-url") || "/index.json", doc.baseURI).href;
  let index: Prepared[] | null = null;
  let loading: Promise<Prepared[] | null> | null = null;
  let failed = false;

  function load(): Promise<Prepared[] | null> {
    if (!loading) {
      form!.setAttribute("data-index-state", "loading");
      loading = fetch(indexUrl, { credentials: "same-origin" })
        .then((r) => {
          if (!r.ok) throw new Error("HTTP " + r.status);
          return r.json();
        })
        .then((data: unknown) => {
          index = prepare(Array.isArray(data) ? (data as Entry[]) : []);
          form!.setAttribute("data-index-state", "ready");
          return index;
        })
        .catch(() => {
          failed = true;
          form!.setAttribute("data-index-state", "error");
          return null;
        });
    }
    return loading;
  }

  function links(): HTMLAnchorElement[] {
    return Array.from(list!.querySelectorAll<HTMLAnchorElement>("a"));
  }

  function open(): void {
    panel!.hidden = false;
  }

  function close(): void {
    panel!.hidden = true;
  }

  function render(query: string): void {
    const terms = tokenize(query);
    list!.textContent = "";
    if (terms.length === 0) {
      count!.textContent = "";
      close();
      return;
    }
    open();
    if (!index) {
      count!.textContent = failed ? "" : "Loading…";
      if (failed) {
        const li = doc.createElement("li");
        li.className = "r-empty";
        li.textContent = "Search is unavailable right now.";
        list!.appendChild(li);
      }
      return;
    }
    const hits = search(index, query);
    if (hits.length === 0) {
      count!.textContent = "";
      const li = doc.createElement("li");
      li.className = "r-empty";
      li.textContent = `No articles match “${query.trim()}”.`;
      list!.appendChild(li);
      return;
    }
    const shown = hits.slice(0, MAX_RESULTS);
    count!.textContent =
      hits.length === 1
        ? "1 article"
        : hits.length > shown.length
          ? `Showing ${shown.length} of ${hits.length} articles`
          : `${hits.length} articles`;
    for (const { entry } of shown) {
      const li = doc.createElement("li");
      const a = doc.createElement("a");
      a.href = entry.url;
      const title = doc.createElement("span");
      title.className = "r-title";
      appendHighlighted(title, entry.title, terms);
      const meta = doc.createElement("span");
      meta.className = "r-meta";
      const bits: string[] = [];
      if (entry.year) bits.push(entry.day ? `${entry.year} · Day ${entry.day}` : String(entry.year));
      if (entry.authors && entry.authors.length) bits.push("by " + entry.authors.join(", "));
      if (entry.tags && entry.tags.length) bits.push(entry.tags.map((t) => "#" + t).join(" "));
      meta.textContent = bits.join(" · ");
      const snip = doc.createElement("span");
      snip.className = "r-snippet";
      appendHighlighted(snip, snippet(entry, terms), terms);
      a.append(title, meta, snip);
      li.appendChild(a);
      list!.appendChild(li);
    }
  }

  let pending = 0;
  function update(): void {
    const q = input!.value;
    if (index || failed) {
      render(q);
      return;
    }
    render(q);
    const token = ++pending;
    load().then(() => {
      if (token === pending) render(input!.value);
    });
  }

  input.addEventListener("focus", () => {
    load();
  });
  input.addEventListener("click", () => {
    if (panel.hidden && input.value.trim() !== "") update();
  });
  input.addEventListener("input", update);

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const first = links()[0];
    if (first) first.click();
  });

  input.addEventListener("keydown", (ev) => {
    if (ev.key === "ArrowDown") {
      const first = links()[0];
      if (first) {
        ev.preventDefault();
        first.focus();
      }
    } else if (ev.key === "Escape") {
      if (!panel.hidden) {
        ev.preventDefault();
        close();
      } else if (input.value) {
        input.value = "";
      }
    }
  });

  list.addEventListener("keydown", (ev) => {
    const items = links();
    const i = items.indexOf(doc.activeElement as HTMLAnchorElement);
    if (i < 0) return;
    if (ev.key === "ArrowDown") {
      ev.preventDefault();
      items[Math.min(i + 1, items.length - 1)].focus();
    } else if (ev.key === "ArrowUp") {
      ev.preventDefault();
      if (i === 0) input.focus();
      else items[i - 1].focus();
    } else if (ev.key === "Escape") {
      ev.preventDefault();
      close();
      input.focus();
    } else if (ev.key === "Home") {
      ev.preventDefault();
      items[0].focus();
    } else if (ev.key === "End") {
      ev.preventDefault();
      items[items.length - 1].focus();
    }
  });

  // Close when focus or a click leaves the search form.
  doc.addEventListener("click", (ev) => {
    if (!form.contains(ev.target as Node)) close();
  });
  form.addEventListener("focusout", (ev) => {
    const next = (ev as FocusEvent).relatedTarget as Node | null;
    if (next && !form.contains(next)) close();
  });

  // Support ?q= links (and the no-JS form submission) on any page.
  const q = new URLSearchParams(window.location.search).get("q");
  if (q) {
    input.value = q;
    update();
  }
}
