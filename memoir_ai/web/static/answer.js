// A question: the answer with clickable citations, the chunks behind it, and the walk in words.

import { paths, post } from "./api.js";
import { count, excerpt, h, plural, seconds } from "./dom.js";
import { pathLinks } from "./views.js";

/** Ask the API; the result is kept by the app and drawn on the tree. */
export function ask(question, strategy) {
  return post(paths.query(), { question, strategy });
}

export function answerView(ctx) {
  const result = ctx.answer;
  if (!result) {
    return [h("h1", {}, "No question yet"), h("p", {}, "Ask one in the box at the top.")];
  }
  const byId = new Map(result.chunks.map((chunk) => [chunk.id, chunk]));
  const cited = result.cited_chunk_ids.map((id) => byId.get(id)).filter(Boolean);
  const tokens = result.llm_calls.reduce(
    (sum, call) => [sum[0] + call.input_tokens, sum[1] + call.output_tokens],
    [0, 0],
  );
  return [
    h("h1", { id: "answer-question" }, result.query),
    h("div", { className: "answer-text", id: "answer-text" }, result.answer),
    h(
      "div",
      { className: "citations", id: "citations" },
      cited.length ? h("span", { className: "muted" }, "Cites:") : h("span", { className: "muted" }, "The answer cites no chunk."),
      ...cited.map((chunk, index) =>
        h("a", {
          className: "citation",
          href: `#/chunk/${chunk.id}`,
          title: chunk.category_path.join(" > "),
          dataset: { chunkId: chunk.id },
        }, `[${index + 1}] ${chunk.source_id}, chunk ${chunk.id}`)),
    ),
    h(
      "p",
      { className: "muted" },
      `${result.strategy.replaceAll("_", " ")} · ${plural(result.llm_calls.length, "model call")} · `
        + `${count(tokens[0])} tokens in, ${count(tokens[1])} out · ${seconds(result.total_latency_seconds)}`
        + ` · prompt ${count(result.prompt_tokens)} of ${count(result.max_token_budget)} tokens`,
    ),
    h("h2", {}, "The walk"),
    h("p", { className: "muted" }, "Also drawn on the tree: chosen categories are highlighted with their relevance (N of N is the most relevant)."),
    walk(ctx, result),
    h("h2", {}, `Chunks put before the model (${count(result.chunks.length)})`),
    h(
      "ol",
      { className: "used-chunks" },
      ...result.chunks.map((chunk) =>
        h(
          "li",
          {},
          h("a", { href: `#/chunk/${chunk.id}` }, `Chunk ${chunk.id}`),
          chunk.cited ? h("strong", {}, " cited") : null,
          h("span", { className: "muted" }, ` · ${chunk.category_path.join(" > ")}`),
          h("p", { className: "excerpt" }, excerpt(chunk.summary ?? chunk.text, 180)),
        )),
    ),
    result.dropped_paths.length
      ? [
          h("h2", {}, `Paths dropped (${count(result.dropped_paths.length)})`),
          h("ul", {}, ...result.dropped_paths.map((dropped) =>
            h("li", {}, pathLinks(ctx, dropped.path.ids, dropped.path.names),
              ` — ${dropped.reason.replaceAll("_", " ")}${dropped.detail ? `: ${dropped.detail}` : ""}`))),
        ]
      : null,
  ];
}

/** The trace level by level: what was shown, what was chosen with which rank. */
function walk(ctx, result) {
  if (!result.trace.levels.length) return h("p", {}, "The tree was not walked: it had no category to choose from.");
  return h(
    "ol",
    { className: "walk", id: "walk" },
    ...result.trace.levels.map((level) =>
      h(
        "li",
        {},
        h("strong", {}, `Level ${level.level}`),
        ` keeps ${count(level.keep)}:`,
        h(
          "ol",
          {},
          ...level.steps.map((step) =>
            h(
              "li",
              {},
              step.parent_path.length ? [pathLinks(ctx, step.parent_ids, step.parent_path), ": "] : "Top level: ",
              step.called_model
                ? `chose ${step.chosen.length} of ${plural(step.candidates.length, "candidate")} — `
                : "one candidate, taken without a call — ",
              step.chosen
                .map((choice) => `${choice.name} (relevance ${choice.ranked_relevance}${choice.kept ? "" : ", not kept"})`)
                .join(", "),
            )),
        ),
      )),
  );
}
