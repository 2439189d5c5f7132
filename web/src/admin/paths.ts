// Kept apart from the pages so that the app can tell which page a path shows before fetching its code.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The person's id in a path such as /admin/users/<uuid>, or undefined when the path is not one. */
export function staffMemberIdIn(path: string): string | undefined {
  const match = /^\/admin\/users\/([^/]+)$/.exec(path);
  return match?.[1] !== undefined && UUID.test(match[1]) ? match[1] : undefined;
}
