// Correcting the tree: rename, merge, move, move chunks, delete empty categories, undo.
// Every action asks for confirmation first and says what it will do.

import { get, paths, post } from "./api.js";
import { count, h, plural, when } from "./dom.js";

/** Ask the user to confirm; resolves true only when they press the confirming button. */
export function confirmAction(title, text, okLabel = "Confirm") {
  const dialog = document.getElementById("confirm-dialog");
  document.getElementById("confirm-title").textContent = title;
  document.getElementById("confirm-text").textContent = text;
  document.getElementById("confirm-ok").textContent = okLabel;
  dialog.returnValue = "";
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
    dialog.showModal();
    document.getElementById("confirm-cancel").focus();
  });
}

const label = (entry) => entry.names.join(" > ");

function choices(entries, placeholder) {
  return [
    h("option", { value: "" }, placeholder),
    ...entries.map((entry) => h("option", { value: entry.node.id }, label(entry))),
  ];
}

function atLevel(ctx, level) {
  return [...ctx.tree.byId.values()]
    .filter((entry) => entry.node.level === level)
    .sort((a, b) => label(a).localeCompare(label(b)));
}

/** Run a confirmed change, then say what happened and redraw. */
async function change(ctx, { title, text, okLabel, send, done, go, undoable = true }) {
  if (!(await confirmAction(title, text, okLabel))) return;
  const outcome = await ctx.run(send);
  if (outcome === undefined) return;
  ctx.notify(done, { undo: undoable });
  await ctx.refresh(go);
}

/** The rename, merge and move forms of one category. */
export function categoryActions(ctx, entry) {
  const { node } = entry;
  const forms = [];

  const newName = h("input", { type: "text", id: "rename-input", value: node.name, required: true, maxlength: 255 });
  forms.push(h(
    "form",
    {
      id: "rename-form",
      onsubmit: (event) => {
        event.preventDefault();
        const name = newName.value.trim();
        if (!name || name === node.name) return;
        change(ctx, {
          title: "Rename category",
          text: `Rename “${label(entry)}” to “${name}”? Its chunks and sub-categories stay where they are.`,
          okLabel: "Rename",
          send: () => post(paths.rename(node.id), { new_name: name }),
          done: `Renamed “${node.name}” to “${name}”.`,
          go: `#/category/${node.id}`,
        });
      },
    },
    h("label", { for: "rename-input" }, "Rename"),
    newName,
    h("button", { type: "submit" }, "Rename…"),
  ));

  const peers = atLevel(ctx, node.level).filter((other) => other.node.id !== node.id);
  const into = h("select", { id: "merge-target", required: true }, ...choices(peers, "— merge into —"));
  forms.push(h(
    "form",
    {
      id: "merge-form",
      onsubmit: (event) => {
        event.preventDefault();
        const target = ctx.tree.entry(into.value);
        if (!target) return;
        change(ctx, {
          title: "Merge categories",
          text: `Merge “${label(entry)}” into “${label(target)}”? Its ${plural(node.total_chunks, "chunk")} and `
            + "sub-categories move there (sub-categories of the same name become one), and "
            + `“${node.name}” is removed.`,
          okLabel: "Merge",
          send: () => post(paths.merge(node.id), { into: target.node.id }),
          done: `Merged “${label(entry)}” into “${label(target)}”.`,
          go: `#/category/${target.node.id}`,
        });
      },
    },
    h("label", { for: "merge-target" }, "Merge into"),
    into,
    h("button", { type: "submit", disabled: !peers.length }, "Merge…"),
  ));

  if (node.level > 1) {
    const parentId = entry.ids.at(-2);
    const parents = atLevel(ctx, node.level - 1).filter((other) => other.node.id !== parentId);
    const under = h("select", { id: "move-target", required: true }, ...choices(parents, "— move under —"));
    forms.push(h(
      "form",
      {
        id: "move-form",
        onsubmit: (event) => {
          event.preventDefault();
          const target = ctx.tree.entry(under.value);
          if (!target) return;
          change(ctx, {
            title: "Move category",
            text: `Move “${label(entry)}” with everything below it under “${label(target)}”? It keeps its level.`,
            okLabel: "Move",
            send: () => post(paths.move(node.id), { new_parent: target.node.id }),
            done: `Moved “${node.name}” under “${label(target)}”.`,
            go: `#/category/${node.id}`,
          });
        },
      },
      h("label", { for: "move-target" }, "Move under"),
      under,
      h("button", { type: "submit", disabled: !parents.length }, "Move…"),
    ));
  }
  return [h("h2", {}, "Correct"), h("div", { className: "actions" }, ...forms)];
}

/** The form that moves the chunks ticked in the list to another leaf. */
export function chunkMover(ctx, entry) {
  const depth = ctx.tree.tree.levels.length;
  const leaves = atLevel(ctx, depth).filter((other) => other.node.id !== entry.node.id);
  const target = h("select", { id: "chunks-target", required: true }, ...choices(leaves, "— move to leaf —"));
  return h("div", { className: "actions" }, h(
    "form",
    {
      id: "move-chunks-form",
      onsubmit: (event) => {
        event.preventDefault();
        const leaf = ctx.tree.entry(target.value);
        const ids = [...document.querySelectorAll("input.pick:checked")].map((box) => Number(box.value));
        if (!leaf) return;
        if (!ids.length) {
          ctx.notify("Tick the chunks to move first.", { kind: "error" });
          return;
        }
        change(ctx, {
          title: "Move chunks",
          text: `Move ${plural(ids.length, "chunk")} (${ids.join(", ")}) from “${label(entry)}” to “${label(leaf)}”?`,
          okLabel: "Move",
          send: () => post(paths.moveChunks(), { chunk_ids: ids, leaf: leaf.node.id }),
          done: `Moved ${plural(ids.length, "chunk")} to “${label(leaf)}”.`,
          go: `#/category/${leaf.node.id}`,
        });
      },
    },
    h("label", { for: "chunks-target" }, "Move ticked"),
    target,
    h("button", { type: "submit", disabled: !leaves.length }, "Move chunks…"),
  ));
}

/** Undo the most recent change, after saying which one it is. */
export async function undoLast(ctx) {
  const changes = await ctx.run(() => get(paths.changes()));
  if (changes === undefined) return;
  const last = changes.filter((record) => !record.undone_at).at(-1); // what the server undoes
  if (!last) {
    ctx.notify("There is no change to undo.", { kind: "error" });
    return;
  }
  await change(ctx, {
    title: "Undo last change",
    text: `Undo “${describe(last)}”, made ${when(changeTime(last))}?`,
    okLabel: "Undo",
    send: () => post(paths.undo()),
    done: `Undid “${describe(last)}”.`,
    undoable: false,
  });
}

function describe(record) {
  return record.summary;
}

function changeTime(record) {
  return record.created_at;
}

/** The change history, with undo and the clean-up of empty categories. */
export async function changesView(ctx) {
  const changes = await get(paths.changes());
  const deleteEmpty = () =>
    change(ctx, {
      title: "Delete empty categories",
      text: "Delete every category that holds no chunk, at any level? You can undo this.",
      okLabel: "Delete",
      send: () => post(paths.deleteEmpty()),
      done: "Deleted the empty categories.",
    });
  const rows = [...changes].reverse().map((record) =>
    h("tr", { dataset: { changeId: record.id } }, h("td", {}, when(changeTime(record))), h("td", {}, record.operation ?? ""),
      h("td", {}, describe(record)), h("td", {}, record.front_door ?? ""),
      h("td", {}, record.undone_at ? `undone ${when(record.undone_at)} (${record.undone_by})` : "")));
  const undoable = changes.some((record) => !record.undone_at);
  return [
    h("h1", {}, "Changes"),
    h("div", { className: "actions" }, h("div", {},
      h("button", { type: "button", id: "undo-last", onclick: () => undoLast(ctx), disabled: !undoable }, "Undo last change…"),
      " ",
      h("button", { type: "button", id: "delete-empty", className: "secondary", onclick: deleteEmpty }, "Delete empty categories…"))),
    h("h2", {}, `History (${count(changes.length)})`),
    changes.length
      ? h("div", { className: "table-scroll" }, h("table", { id: "changes" },
          h("thead", {}, h("tr", {}, h("th", {}, "When"), h("th", {}, "What"), h("th", {}, "Change"), h("th", {}, "From"), h("th", {}, "Undone"))),
          h("tbody", {}, ...rows)))
      : h("p", { className: "muted" }, "Nothing has been changed yet."),
  ];
}
