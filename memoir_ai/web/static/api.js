// The JSON API under /api: every path the page uses, the bearer token, and errors as {error, remedy}.

const TOKEN_KEY = "memoir.api-token";
const enc = encodeURIComponent;

/** Every API path the page calls, in one place. Relative, so the page also works under a prefix. */
export const paths = {
  info: () => "api/info",
  tree: () => "api/tree",
  sources: () => "api/sources",
  deleteSource: (sourceId) => `api/sources/${enc(sourceId)}?confirm=true`,
  sourceChunks: (sourceId) => `api/chunks?source_id=${enc(sourceId)}`,
  chunk: (chunkId) => `api/chunks/${enc(chunkId)}`,
  calls: (limit) => `api/calls?limit=${enc(limit)}`,
  query: () => "api/query",
  category: (ref) => `api/categories/${enc(ref)}`,
  categoryChunks: (ref) => `api/chunks?category=${enc(ref)}`,
  rename: (ref) => `api/categories/${enc(ref)}/rename`,
  merge: (ref) => `api/categories/${enc(ref)}/merge`,
  move: (ref) => `api/categories/${enc(ref)}/move`,
  deleteEmpty: () => "api/categories/delete-empty",
  changes: () => "api/categories/changes",
  undo: () => "api/categories/undo",
  moveChunks: () => "api/chunks/move",
};

/** A refusal of the API: what went wrong and what to do about it. */
export class ApiError extends Error {
  constructor(status, error, remedy) {
    super(error);
    this.status = status;
    this.remedy = remedy || "";
  }
}

let tokenPrompt = null;
let pendingToken = null;

/** Who asks the user for the token when the API answers 401: async (reason) => token. */
export function whenTokenNeeded(prompt) {
  tokenPrompt = prompt;
}

export function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

async function newToken(reason) {
  // Several requests refused at once share one question to the user.
  pendingToken ??= tokenPrompt(reason).finally(() => {
    pendingToken = null;
  });
  const token = await pendingToken;
  sessionStorage.setItem(TOKEN_KEY, token);
}

async function body(response) {
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return { error: text.slice(0, 300) };
  }
}

/** Send a request; returns the JSON body, or throws ApiError with the server's error and remedy. */
export async function request(method, path, payload) {
  for (;;) {
    const headers = { Accept: "application/json" };
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) headers.Authorization = `Bearer ${token}`;
    if (payload !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(path, {
      method,
      headers,
      body: payload === undefined ? undefined : JSON.stringify(payload),
    });
    const data = await body(response);
    if (response.status === 401 && tokenPrompt) {
      await newToken(token ? "The server refused that token; type it again." : data?.error);
      continue;
    }
    if (!response.ok) {
      throw new ApiError(
        response.status,
        data?.error ?? `${response.status} ${response.statusText}`,
        data?.remedy,
      );
    }
    return data;
  }
}

export const get = (path) => request("GET", path);
export const post = (path, payload = {}) => request("POST", path, payload);
export const del = (path) => request("DELETE", path);
