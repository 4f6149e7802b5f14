// Entry point, bundled by Hugo's js.Build (esbuild) and loaded with `defer`.
import { initCopyButtons } from "./copy";
import { initReading } from "./reading";
import { initScrollable } from "./scroll";
import { initSearch } from "./search";

function init(): void {
  initReading(document);
  initCopyButtons(document);
  initSearch(document);
  initScrollable(document);
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", init, { once: true });
} else {
  init();
}
