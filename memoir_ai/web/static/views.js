// The views of the right-hand panel: home, a category, a chunk in its source, sources, calls.

import { del, get, paths } from "./api.js";
import { count, excerpt, h, plural, seconds, when } from "./dom.js";
import { categoryActions, chunkMover, confirmAction } from "./maintain.js";

const RECENT_CALLS = 200;

function facts(rows) {
  return h("dl", { className: "facts" }, ...rows.flatMap(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]));
}

/** "A > B > C" as links to each category, when the tree still has them. */
export function pathLinks(ctx, ids, names) {
  const parts = [];
  names.forEach((name, index) => {
    if (index) parts.push(" › ");
    const id = ids?.[index];
    parts.push(id !== undefined && ctx.tree.entry(id) ? h("a", { href: `#/category/${id}` }, name) : name);
  });
  return h("span", { className: "path" }, ...parts);
}

export async function homeView(ctx) {
  const info = await get(paths.info());
  const levels = info.level_fill.map((level) => `${level.level}: ${count(level.categories)} of ${count(level.limit)}`);
  return [
    h("h1", {}, "The memory"),
    h("p", {}, "Open a category in the tree to read the chunks filed under it, or ask a question above: its walk through the tree is then drawn on the tree."),
    facts([
      ["Database", h("code", {}, info.database_url)],
      ["Model", info.model],
      ["Sources", count(info.source_count)],
      ["Chunks", count(info.chunk_count)],
      ["Categories", `${count(info.category_count)} (levels ${levels.join(", ") || "none yet"})`],
      ["Schema", info.schema_valid ? `current (revision ${info.current_revision})` : `not current: ${info.problems.join("; ")}`],
    ]),
    ctx.answer ? h("p", {}, h("a", { href: "#/answer" }, "Back to the last answer")) : null,
  ];
}

export async function categoryView(ctx, id) {
  const entry = ctx.tree.entry(id);
  if (!entry) {
    return [h("h1", {}, "No such category"), h("p", {}, `There is no category ${id} in the tree (any more).`)];
  }
  ctx.tree.reveal(id);
  const { node } = entry;
  const isLeaf = node.level === ctx.tree.tree.levels.length;
  const parts = [
    h("div", { className: "crumbs" }, pathLinks(ctx, entry.ids.slice(0, -1), entry.names.slice(0, -1))),
    h("h1", { id: "category-name" }, node.name),
    facts([
      ["Path", entry.names.join(" > ")],
      ["Id", String(node.id)],
      ["Level", `${node.level} of ${ctx.tree.tree.levels.length}${isLeaf ? " (a leaf: chunks are filed here)" : ""}`],
      ["Chunks", isLeaf ? plural(node.chunk_count, "chunk") : `${plural(node.total_chunks, "chunk")} below`],
    ]),
  ];
  if (isLeaf) {
    const chunks = await get(paths.categoryChunks(node.id));
    parts.push(h("h2", {}, `Chunks filed here (${count(chunks.length)})`));
    parts.push(chunkList(chunks, { selectable: chunks.length > 0, showPath: false }));
    if (chunks.length) parts.push(chunkMover(ctx, entry));
  } else {
    parts.push(h("h2", {}, `Sub-categories (${count(node.children.length)})`));
    parts.push(
      h("ul", {}, ...node.children.map((child) =>
        h("li", {}, h("a", { href: `#/category/${child.id}` }, child.name), ` — ${plural(child.total_chunks, "chunk")}`))),
    );
  }
  parts.push(categoryActions(ctx, entry));
  return parts;
}

/** A list of chunks, each linking to its own view; with checkboxes to pick some to move. */
export function chunkList(chunks, { selectable, showPath }) {
  if (!chunks.length) return h("p", { className: "muted" }, "No chunk is filed here.");
  return h(
    "ul",
    { className: "chunk-list" },
    ...chunks.map((chunk) =>
      h(
        "li",
        { dataset: { chunkId: chunk.id } },
        selectable
          ? h("input", { type: "checkbox", className: "pick", value: chunk.id, "aria-label": `Select chunk ${chunk.id}` })
          : null,
        h(
          "div",
          {},
          h("a", { href: `#/chunk/${chunk.id}`, className: "chunk-link" }, `Chunk ${chunk.id}`),
          h("span", { className: "muted" }, ` · ${chunk.source_id}, part ${chunk.position + 1} · ${plural(chunk.token_count, "token")}`),
          showPath ? h("div", { className: "muted" }, chunk.category_path.join(" > ")) : null,
          h("p", { className: "excerpt" }, excerpt(chunk.content)),
        ),
      )),
  );
}

export async function chunkView(ctx, id) {
  const chunk = await get(paths.chunk(id));
  const leaf = ctx.tree.entry(chunk.category_id);
  if (leaf) ctx.tree.reveal(leaf.node.id);
  const siblings = await get(paths.sourceChunks(chunk.source_id));
  const length = chunk.end_offset - chunk.start_offset;
  return [
    h("div", { className: "crumbs" }, pathLinks(ctx, leaf?.ids, chunk.category_path)),
    h("h1", {}, `Chunk ${chunk.id}`),
    facts([
      ["Source", h("a", { href: `#/source/${encodeURIComponent(chunk.source_id)}` }, chunk.source_id)],
      ["Position", `${chunk.position + 1} of ${siblings.length} in its source`],
      ["Span", `characters ${count(chunk.start_offset)}–${count(chunk.end_offset)} (${plural(length, "character")})`],
      ["Tokens", count(chunk.token_count)],
      ["Filed", when(chunk.created_at)],
    ]),
    h("h2", {}, "In its source"),
    sourceText(chunk, siblings),
  ];
}

/**
 * The source as its chunks cover it, this chunk's span highlighted.
 *
 * The database keeps chunks, not files: the chunks of a source cover its text end to end,
 * and their offsets say where each lies. Whatever the offsets leave uncovered (a byte order
 * mark, say) is not stored, and is shown as a gap rather than guessed.
 */
function sourceText(chunk, chunks) {
  const parts = [];
  let end = chunks.length ? chunks[0].start_offset : 0;
  let gaps = 0;
  if (end > 0) {
    parts.push(h("span", { className: "gap" }, `[${plural(end, "character")} before the first chunk not stored]`));
    gaps += 1;
  }
  for (const piece of chunks) {
    if (piece.start_offset > end) {
      parts.push(h("span", { className: "gap" }, `[${plural(piece.start_offset - end, "character")} not stored]`));
      gaps += 1;
    }
    end = Math.max(end, piece.end_offset);
    parts.push(
      piece.id === chunk.id
        ? h("mark", { id: "span", title: `chunk ${piece.id}: characters ${piece.start_offset}–${piece.end_offset}` }, piece.content)
        : h("a", { className: "segment", href: `#/chunk/${piece.id}`, title: `chunk ${piece.id}` }, piece.content),
    );
  }
  const note = gaps
    ? "The text between the marked gaps is the source's chunks in order; the gaps are characters no chunk holds."
    : `The source's text, rebuilt from its ${plural(chunks.length, "chunk")} (they cover it end to end); click another part to open its chunk.`;
  const text = h("pre", { className: "source-text", id: "source-text" }, ...parts);
  requestAnimationFrame(() => {
    const mark = text.querySelector("mark");
    if (mark) text.scrollTop = Math.max(0, mark.offsetTop - text.offsetTop - 40);
  });
  return [h("p", { className: "muted" }, note), text];
}

export async function sourcesView(ctx) {
  const sources = await get(paths.sources());
  const remove = async (source) => {
    const yes = await confirmAction(
      "Delete source",
      `Delete “${source.source_id}” with its ${plural(source.chunk_count, "chunk")} and its contextual helper? Categories left empty go too. This cannot be undone.`,
      "Delete",
    );
    if (!yes) return;
    const outcome = await ctx.run(() => del(paths.deleteSource(source.source_id)));
    if (outcome !== undefined) {
      ctx.notify(`Deleted “${source.source_id}”.`);
      await ctx.refresh();
    }
  };
  const rows = sources.map((source) =>
    h(
      "tr",
      { dataset: { sourceId: source.source_id } },
      h("td", {}, h("a", { href: `#/source/${encodeURIComponent(source.source_id)}` }, source.source_id)),
      h("td", {}, source.title ?? ""),
      h("td", { className: "num" }, count(source.chunk_count)),
      h("td", { className: "num" }, count(source.token_count)),
      h("td", {}, when(source.created_at)),
      h("td", {}, h("button", { type: "button", className: "secondary delete-source", onclick: () => remove(source) }, "Delete…")),
    ));
  return [
    h("h1", {}, `Sources (${count(sources.length)})`),
    sources.length
      ? h("div", { className: "table-scroll" }, h("table", {},
          h("thead", {}, h("tr", {}, h("th", {}, "Source"), h("th", {}, "Title"), h("th", { className: "num" }, "Chunks"),
            h("th", { className: "num" }, "Tokens"), h("th", {}, "Stored"), h("th", {}, ""))),
          h("tbody", {}, ...rows)))
      : h("p", { className: "muted" }, "No source is stored yet."),
  ];
}

export async function sourceView(ctx, sourceId) {
  const chunks = await get(paths.sourceChunks(sourceId));
  return [
    h("div", { className: "crumbs" }, h("a", { href: "#/sources" }, "Sources")),
    h("h1", {}, sourceId),
    h("p", {}, `${plural(chunks.length, "chunk")}, in text order.`),
    chunkList(chunks, { selectable: false, showPath: true }),
  ];
}

export async function callsView() {
  const { calls, totals } = await get(paths.calls(RECENT_CALLS));
  const total = (label, value) => h("div", {}, h("strong", {}, value), label);
  const rows = [...calls].reverse().map((call) =>
    h(
      "tr",
      {},
      h("td", {}, when(call.started_at)),
      h("td", {}, call.purpose),
      h("td", {}, call.model),
      h("td", {}, call.source_id ?? ""),
      h("td", { className: "num" }, count(call.input_tokens)),
      h("td", { className: "num" }, count(call.output_tokens)),
      h("td", { className: "num" }, seconds(call.latency_seconds)),
      h("td", { title: call.error ?? "" }, call.outcome),
    ));
  return [
    h("h1", {}, "Model calls"),
    h(
      "div",
      { className: "totals", id: "call-totals" },
      total("calls", count(totals.calls)),
      total("tokens in", count(totals.input_tokens)),
      total("tokens out", count(totals.output_tokens)),
      total("latency, summed", seconds(totals.latency_seconds)),
      total("errors", count(totals.errors)),
    ),
    h("p", { className: "muted" }, calls.length < totals.calls
      ? `The most recent ${count(calls.length)} calls, newest first; the totals cover all ${count(totals.calls)}.`
      : "Every recorded call, newest first."),
    h("div", { className: "table-scroll" }, h("table", {},
      h("thead", {}, h("tr", {}, h("th", {}, "When"), h("th", {}, "Purpose"), h("th", {}, "Model"), h("th", {}, "Source"),
        h("th", { className: "num" }, "In"), h("th", { className: "num" }, "Out"), h("th", { className: "num" }, "Latency"),
        h("th", {}, "Outcome"))),
      h("tbody", {}, ...rows))),
  ];
}
