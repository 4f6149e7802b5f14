// Copy buttons on code blocks (markup: layouts/_markup/render-codeblock.html).
//
// <div class="code-block" data-lang="console" ...>
//   <pre class="chroma"><code>…</code></pre>
// </div>
//
// The buttons are added here (<button class="copy-button">Copy</button>,
// first child of the block), so pages without JavaScript carry none. The
// 2017 originals of changed steps (data-original) get no button: their
// commands are stale.
//
// Console blocks copy only the commands: lines starting with "$ " (the
// prompt removed) and their backslash-continuation lines; output is left
// out. Other languages copy the whole block. After a click the copied text
// is also exposed as the button's data-copied attribute.

const CONSOLE_LANGS = new Set(["console", "shell-session", "bash-session", "shellsession"]);
const RESET_MS = 2000;

/** Lines of a console session that are commands, without the "$ " prompt. */
export function consoleCommands(text: string): string {
  const out: string[] = [];
  let continuing = false;
  for (const raw of text.split("\n")) {
    const line = raw.replace(/\r$/, "");
    if (continuing) {
      out.push(line);
      continuing = /\\$/.test(line);
      continue;
    }
    if (line.startsWith("$ ")) {
      const cmd = line.slice(2);
      out.push(cmd);
      continuing = /\\$/.test(cmd);
    }
  }
  return out.join("\n");
}

/** The text a copy button of the given block should copy. */
export function textToCopy(block: Element): string {
  const code = block.querySelector("pre code") || block.querySelector("pre");
  const raw = (code ? code.textContent || "" : "").replace(/\n$/, "");
  const lang = (block.getAttribute("data-lang") || "").toLowerCase();
  if (CONSOLE_LANGS.has(lang)) {
    const commands = consoleCommands(raw);
    if (commands !== "") return commands;
  }
  return raw;
}

function fallbackCopy(text: string): boolean {
  const ta = document.createElement("textarea");
  ta.value = text;
  ta.setAttribute("readonly", "");
  ta.style.position = "fixed";
  ta.style.top = "0";
  ta.style.left = "-9999px";
  ta.style.opacity = "0";
  document.body.appendChild(ta);
  const selection = document.getSelection();
  const previous = selection && selection.rangeCount > 0 ? selection.getRangeAt(0) : null;
  ta.select();
  let ok = false;
  try {
    ok = document.execCommand("copy");
  } catch {
    ok = false;
  }
  document.body.removeChild(ta);
  if (previous && selection) {
    selection.removeAllRanges();
    selection.addRange(previous);
  }
  return ok;
}

/** Copies text to the clipboard; resolves to whether it worked. Never rejects. */
export function copyText(text: string): Promise<boolean> {
  const clip = typeof navigator !== "undefined" ? navigator.clipboard : undefined;
  if (clip && typeof clip.writeText === "function" && window.isSecureContext) {
    return clip.writeText(text).then(
      () => true,
      () => fallbackCopy(text),
    );
  }
  return Promise.resolve(fallbackCopy(text));
}

let announcer: HTMLElement | null = null;

function announce(message: string): void {
  if (!announcer) {
    announcer = document.createElement("div");
    announcer.className = "visually-hidden";
    announcer.setAttribute("role", "status");
    announcer.setAttribute("aria-live", "polite");
    document.body.appendChild(announcer);
  }
  announcer.textContent = "";
  const el = announcer;
  window.setTimeout(() => {
    el.textContent = message;
  }, 50);
}

export function initCopyButtons(root: ParentNode): void {
  const blocks = root.querySelectorAll<HTMLElement>(".code-block");
  blocks.forEach((block) => {
    if (block.hasAttribute("data-original")) return;
    let button = block.querySelector<HTMLButtonElement>(".copy-button");
    if (!button) {
      button = document.createElement("button");
      button.type = "button";
      button.className = "copy-button";
      button.textContent = "Copy";
      block.insertBefore(button, block.firstChild);
    }
    const lang = block.getAttribute("data-lang") || "code";
    const label = CONSOLE_LANGS.has(lang.toLowerCase()) ? "Copy commands" : "Copy code";
    button.setAttribute("aria-label", `${label} (${lang})`);
    button.hidden = false;
    let timer = 0;
    button.addEventListener("click", () => {
      const text = textToCopy(block);
      button.setAttribute("data-copied", text);
      copyText(text).then((ok) => {
        button.textContent = ok ? "Copied" : "Copy failed";
        button.setAttribute("data-state", ok ? "copied" : "failed");
        announce(ok ? "Copied to clipboard" : "Copy failed: select the text and copy it manually");
        window.clearTimeout(timer);
        timer = window.setTimeout(() => {
          button.textContent = "Copy";
          button.removeAttribute("data-state");
        }, RESET_MS);
      });
    });
  });
}
