// Queries and mutations over HTTP, with the key from the login form.

export class Unauthorized extends Error {}

export async function graphql(key, query, variables = {}) {
  const response = await fetch("/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  if (response.status === 401) throw new Unauthorized("unknown or revoked API key");
  const body = await response.json();
  if (body.errors?.length) throw new Error(body.errors.map((error) => error.message).join("; "));
  return body.data;
}
