// The page: routes (#/...), the shared state, banners, the token prompt and the question box.

import { ApiError, get, paths, whenTokenNeeded } from "./api.js";
import { answerView, ask } from "./answer.js";
import { fill, h } from "./dom.js";
import { changesView, undoLast } from "./maintain.js";
import { TreeView } from "./tree.js";
import { callsView, categoryView, chunkView, homeView, sourcesView, sourceView } from "./views.js";

const $ = (id) => document.getElementById(id);

const routes = [
  [/^#?\/?$/, "home", homeView],
  [/^#\/category\/(\d+)$/, "home", categoryView],
  [/^#\/chunk\/(\d+)$/, "home", chunkView],
  [/^#\/sources$/, "sources", sourcesView],
  [/^#\/source\/(.+)$/, "sources", (ctx, id) => sourceView(ctx, decodeURIComponent(id))],
  [/^#\/calls$/, "calls", callsView],
  [/^#\/changes$/, "changes", changesView],
  [/^#\/answer$/, "home", answerView],
];

let keepBanner = false;

const ctx = {
  tree: null,
  answer: null,

  /** Show a message above the page (with an undo button after a change). */
  notify(text, { kind = "ok", undo = false, remedy = "" } = {}) {
    const banner = $("banner");
    banner.className = `banner ${kind}`;
    fill(
      banner,
      h("span", { id: "banner-text" }, text),
      remedy ? h("span", { className: "remedy" }, `Fix: ${remedy}`) : null,
      undo ? [" ", h("button", { type: "button", className: "link", id: "banner-undo", onclick: () => undoLast(ctx) }, "Undo")] : null,
    );
    banner.hidden = false;
    keepBanner = true;
  },

  /** Run a request; an API refusal becomes a banner with its remedy, and undefined. */
  async run(send) {
    try {
      return await send();
    } catch (error) {
      showError(error);
      return undefined;
    }
  },

  /** Reload the tree, then show `hash` (or redraw the current view). */
  async refresh(hash) {
    ctx.tree.setTree(await get(paths.tree()));
    if (hash && hash !== location.hash) location.hash = hash;
    else await route();
  },
};

function showError(error) {
  if (error instanceof ApiError) ctx.notify(error.message, { kind: "error", remedy: error.remedy });
  else ctx.notify(`The page could not reach the server: ${error.message}`, { kind: "error" });
}

async function route() {
  const hash = location.hash || "#/";
  const [pattern, nav, view] = routes.find(([regex]) => regex.test(hash)) ?? routes[0];
  const params = hash.match(pattern)?.slice(1) ?? [];
  for (const link of document.querySelectorAll("[data-nav]")) {
    link.classList.toggle("active", link.dataset.nav === nav);
  }
  if (!keepBanner) $("banner").hidden = true;
  keepBanner = false;
  const panel = $("view");
  panel.setAttribute("aria-busy", "true");
  try {
    fill(panel, await view(ctx, ...params));
  } catch (error) {
    fill(
      panel,
      h("h1", {}, "Could not show this"),
      h("p", { id: "view-error" }, error.message),
      error.remedy ? h("p", { className: "muted" }, `Fix: ${error.remedy}`) : null,
    );
  } finally {
    panel.removeAttribute("aria-busy");
    panel.dataset.route = hash;
  }
  // One column on a narrow screen: bring what was opened into sight, past the tree.
  if (nav === "home" && params.length && window.matchMedia("(max-width: 820px)").matches) {
    panel.scrollIntoView();
  }
}

function askForToken(reason) {
  const dialog = $("token-dialog");
  const input = $("token-input");
  $("token-text").textContent = reason || "This server needs its API token (MEMOIR_API_TOKEN).";
  input.value = "";
  return new Promise((resolve, reject) => {
    dialog.addEventListener(
      "close",
      () => {
        const token = input.value.trim();
        if (dialog.returnValue === "ok" && token) resolve(token);
        else reject(new ApiError(401, "No token was given.", "reload the page and type the server's MEMOIR_API_TOKEN."));
      },
      { once: true },
    );
    dialog.showModal();
    input.focus();
  });
}

async function askQuestion(event) {
  event.preventDefault();
  const question = $("question").value.trim();
  if (!question) return;
  const button = $("ask");
  button.disabled = true;
  button.textContent = "Asking…";
  const result = await ctx.run(() => ask(question, $("strategy").value));
  button.disabled = false;
  button.textContent = "Ask";
  if (result === undefined) return;
  ctx.answer = result;
  $("trace-question").textContent = result.query;
  $("trace-legend").hidden = false;
  ctx.tree.showTrace(result);
  if (location.hash === "#/answer") await route();
  else location.hash = "#/answer";
}

async function start() {
  ctx.tree = new TreeView({ list: $("tree"), levels: $("levels"), totals: $("tree-totals") });
  whenTokenNeeded(askForToken);
  $("ask-form").addEventListener("submit", askQuestion);
  $("expand-all").addEventListener("click", () => ctx.tree.expandAll(true));
  $("collapse-all").addEventListener("click", () => ctx.tree.expandAll(false));
  $("clear-trace").addEventListener("click", () => {
    ctx.tree.clearTrace();
    $("trace-legend").hidden = true;
  });
  window.addEventListener("hashchange", route);
  const tree = await ctx.run(() => get(paths.tree()));
  if (tree) ctx.tree.setTree(tree);
  await route();
  document.body.dataset.ready = "true";
}

start();
