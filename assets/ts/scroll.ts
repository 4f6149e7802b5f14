// Keyboard access to code that scrolls: a <pre> whose lines are wider than
// the block (or, for run outputs, longer than its maximum height) can only be
// read by scrolling it, so it is a tab stop (tabindex=0, with a label) when,
// and only when, it scrolls. The page is rendered with every code <pre> a
// tab stop (so that, without JavaScript, scrolling code stays reachable);
// here the blocks that fit leave the tab order. A ResizeObserver re-checks a
// block whenever its size changes (window resized, fonts loaded, a <details>
// opened).

/** Sets or removes tabindex on pre by whether it scrolls now (sideways, or
 * down for the run outputs, which have a maximum height). */
export function markScrollable(pre: HTMLElement): void {
  if (pre.scrollWidth > pre.clientWidth || pre.scrollHeight > pre.clientHeight) {
    pre.tabIndex = 0;
    if (!pre.hasAttribute("aria-label")) pre.setAttribute("aria-label", "Code (scrolls)");
    pre.setAttribute("data-scrollable", "");
  } else if (pre.hasAttribute("data-scrollable") || pre.hasAttribute("tabindex")) {
    pre.removeAttribute("tabindex");
    pre.removeAttribute("aria-label");
    pre.removeAttribute("data-scrollable");
  }
}

export function initScrollable(doc: Document): void {
  const pres = doc.querySelectorAll<HTMLElement>("pre");
  pres.forEach(markScrollable);
  if (typeof ResizeObserver === "undefined") return;
  const ro = new ResizeObserver((entries) => {
    for (const e of entries) markScrollable(e.target as HTMLElement);
  });
  pres.forEach((pre) => ro.observe(pre));
}
