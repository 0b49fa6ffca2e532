// One authenticated JSON request to a local Kiln started by bench/run.mjs.

/** `{status, body}` of `method path` with the admin key; `body` is sent as JSON when given. */
export async function call(kiln, method, path, body) {
  const res = await fetch(`${kiln.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${kiln.adminKey}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}
