// Keyboard access to code that scrolls: a <pre> whose lines are wider than
// the block can only be read by scrolling it, so it becomes a tab stop
// (tabindex=0, with a label) when, and only when, it scrolls. Blocks that fit
// stay out of the tab order. Re-checked when the window is resized.

/** Sets or removes tabindex on every pre under root by whether it scrolls. */
export function markScrollable(root: ParentNode): void {
  root.querySelectorAll<HTMLElement>("pre").forEach((pre) => {
    if (pre.scrollWidth > pre.clientWidth) {
      pre.tabIndex = 0;
      if (!pre.hasAttribute("aria-label")) pre.setAttribute("aria-label", "Code (scrolls sideways)");
      pre.setAttribute("data-scrollable", "");
    } else if (pre.hasAttribute("data-scrollable")) {
      pre.removeAttribute("tabindex");
      pre.removeAttribute("aria-label");
      pre.removeAttribute("data-scrollable");
    }
  });
}

export function initScrollable(doc: Document): void {
  markScrollable(doc);
  let pending = 0;
  window.addEventListener("resize", () => {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(() => markScrollable(doc));
  });
  // A <details> opened later (run output, originals) may hold wide lines.
  doc.addEventListener("toggle", () => markScrollable(doc), true);
}
