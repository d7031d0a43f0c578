// The category tree: expand/collapse, chunk counts, level fill, and a query's walk drawn on it.

import { count, fill, h, plural } from "./dom.js";

/** What a CategoryTree dump holds, indexed: id -> {node, names, ids}. */
export function indexTree(tree) {
  const byId = new Map();
  const visit = (node, names, ids) => {
    const entry = { node, names: [...names, node.name], ids: [...ids, node.id] };
    byId.set(node.id, entry);
    for (const child of node.children) visit(child, entry.names, entry.ids);
  };
  for (const root of tree.roots) visit(root, [], []);
  return byId;
}

const PRIORITY = ["used", "dropped", "chosen", "not-kept", "candidate"];

/**
 * The marks a query result puts on the tree: id -> {kind, badges}.
 *
 * Each step of the trace showed some candidates (by name, under a parent) and chose some
 * of them with a rank; the used paths and the dropped ones end at leaves.
 */
export function traceMarks(result, tree, byId) {
  const marks = new Map();
  const mark = (id, kind, badge) => {
    if (!byId.has(id)) return; // changed since the question was asked
    const entry = marks.get(id) ?? { kinds: new Set(), badges: [] };
    entry.kinds.add(kind);
    if (badge) entry.badges.push(badge);
    marks.set(id, entry);
  };
  for (const level of result.trace.levels) {
    for (const step of level.steps) {
      const parentId = step.parent_ids.at(-1);
      const siblings = parentId === undefined ? tree.roots : byId.get(parentId)?.node.children ?? [];
      for (const name of step.candidates) {
        const shown = siblings.find((child) => child.name === name);
        if (shown) mark(shown.id, "candidate");
      }
      for (const choice of step.chosen) {
        const rank = `relevance ${choice.ranked_relevance} of ${step.chosen.length}`;
        const why = choice.kept ? rank : `${rank}, not kept`;
        mark(choice.category_id, choice.kept ? "chosen" : "not-kept", { kind: "rank", text: why });
      }
    }
  }
  const usedChunks = new Map();
  for (const chunk of result.chunks) {
    const key = chunk.category_path.join("\u0000");
    usedChunks.set(key, (usedChunks.get(key) ?? 0) + 1);
  }
  for (const path of result.paths) {
    const used = usedChunks.get(path.names.join("\u0000")) ?? 0;
    mark(path.ids.at(-1), "used", { kind: "used", text: `${plural(used, "chunk")} used` });
  }
  for (const dropped of result.dropped_paths) {
    const reason = dropped.reason.replaceAll("_", " ");
    mark(dropped.path.ids.at(-1), "dropped", { kind: "dropped", text: `dropped: ${reason}` });
  }
  for (const entry of marks.values()) entry.kind = PRIORITY.find((kind) => entry.kinds.has(kind));
  return marks;
}

/** The tree panel: draws the tree, keeps what is expanded, and shows a trace when given one. */
export class TreeView {
  constructor({ list, levels, totals }) {
    this.list = list;
    this.levelsElement = levels;
    this.totals = totals;
    this.tree = { roots: [], levels: [] };
    this.byId = new Map();
    this.expanded = new Set();
    this.marks = new Map();
    this.current = null;
    this.list.addEventListener("click", (event) => {
      const toggle = event.target.closest("button.toggle");
      if (toggle) this.toggle(Number(toggle.closest("li").dataset.categoryId));
    });
  }

  setTree(tree) {
    this.tree = tree;
    this.byId = indexTree(tree);
    for (const id of [...this.expanded]) if (!this.byId.has(id)) this.expanded.delete(id);
    this.render();
  }

  entry(id) {
    return this.byId.get(Number(id));
  }

  toggle(id) {
    if (this.expanded.has(id)) this.expanded.delete(id);
    else this.expanded.add(id);
    this.render();
  }

  expandAll(open) {
    this.expanded = open ? new Set([...this.byId.keys()]) : new Set();
    this.render();
  }

  /** Expand every ancestor of `id` so that it shows, and mark it as the one being read. */
  reveal(id) {
    const entry = this.entry(id);
    this.current = entry ? entry.node.id : null;
    if (entry) for (const ancestor of entry.ids.slice(0, -1)) this.expanded.add(ancestor);
    this.render();
  }

  showTrace(result) {
    this.marks = traceMarks(result, this.tree, this.byId);
    for (const level of result.trace.levels) {
      for (const step of level.steps) for (const id of step.parent_ids) this.expanded.add(id);
    }
    this.render();
  }

  clearTrace() {
    this.marks = new Map();
    this.render();
  }

  render() {
    fill(this.levelsElement, ...this.tree.levels.map(levelRow));
    const chunks = this.tree.roots.reduce((sum, root) => sum + root.total_chunks, 0);
    this.totals.textContent = `${plural(this.byId.size, "category", "categories")}, ${plural(chunks, "chunk")}`;
    if (!this.tree.roots.length) {
      fill(this.list, h("li", { className: "muted" }, "The memory is empty: ingest some text first."));
      return;
    }
    fill(this.list, ...this.tree.roots.map((node) => this.item(node)));
  }

  item(node) {
    const hasChildren = node.children.length > 0;
    const open = hasChildren && this.expanded.has(node.id);
    const mark = this.marks.get(node.id);
    const classes = ["node", mark?.kind, this.current === node.id ? "current" : null];
    const title = node.chunk_count
      ? `${plural(node.chunk_count, "chunk")} filed here`
      : `${plural(node.total_chunks, "chunk")} below`;
    const row = h(
      "div",
      { className: classes.filter(Boolean).join(" ") },
      hasChildren
        ? h("button", {
            type: "button",
            className: "toggle",
            "aria-label": `${open ? "Collapse" : "Expand"} ${node.name}`,
            "aria-expanded": String(open),
          }, open ? "▾" : "▸")
        : h("span", { className: "spacer" }),
      h("a", { className: "name", href: `#/category/${node.id}` }, node.name),
      h("span", { className: "count", title }, count(node.total_chunks)),
      ...(mark?.badges ?? []).map((badge) => h("span", { className: `badge ${badge.kind}` }, badge.text)),
    );
    return h(
      "li",
      {
        role: "treeitem",
        "aria-expanded": hasChildren ? String(open) : null,
        dataset: { categoryId: node.id, level: node.level },
      },
      row,
      open ? h("ul", { role: "group" }, ...node.children.map((child) => this.item(child))) : null,
    );
  }
}

function levelRow(level) {
  const label = `${count(level.categories)} of ${count(level.limit)}`;
  return h(
    "li",
    { title: level.full ? "Full: no new category can be made at this level" : "" },
    h("span", {}, `Level ${level.level}`),
    h("meter", { min: 0, max: level.limit, value: level.categories, high: level.limit * 0.9 }),
    h("span", { className: level.full ? "full" : "" }, level.full ? `${label}, full` : label),
  );
}
