// The two readings of a tutorial (markup: layouts/page.html).
//
// <div class="readings changes"> shows what changed since the article's
// year (the 2017 wording struck through, the why-notes, the originals);
// without the class the page reads as the current tutorial. Without
// JavaScript the control is a pair of links to #changes and "#", which the
// CSS honours with :target; here it becomes one toggle button
// (aria-pressed) whose choice is kept in localStorage for every page. A link
// to #changes opens that reading.

const KEY = "advent.reading";
const CHANGES = "changes";

function stored(): string | null {
  try {
    return window.localStorage.getItem(KEY);
  } catch {
    return null; // storage disabled: the choice lasts for the page
  }
}

function store(value: string): void {
  try {
    window.localStorage.setItem(KEY, value);
  } catch {
    // storage disabled or full: nothing to keep
  }
}

export function initReading(doc: Document): void {
  const readings = doc.querySelector<HTMLElement>(".readings");
  const control = readings && readings.querySelector<HTMLElement>(".reading-control");
  if (!readings || !control) return;
  const button = doc.createElement("button");
  button.type = "button";
  button.className = "reading-toggle";
  button.textContent = `Show what changed since ${control.getAttribute("data-since") || ""}`;

  function set(on: boolean): void {
    readings!.classList.toggle(CHANGES, on);
    button.setAttribute("aria-pressed", String(on));
  }

  const fromLink = window.location.hash === "#" + CHANGES;
  if (fromLink) store(CHANGES);
  set(fromLink || stored() === CHANGES);
  button.addEventListener("click", () => {
    const on = button.getAttribute("aria-pressed") !== "true";
    set(on);
    store(on ? CHANGES : "current");
  });
  control.replaceChildren(button);
  // From now on the button decides, not :target.
  readings.removeAttribute("id");
}
