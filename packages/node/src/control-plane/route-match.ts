import type { PolicyRoute, RouteMatch, StringMatch } from "@outrigger/policy";

/** What a route match reads of a request. Header names are lower-case; a repeated header's values joined by ", ". */
export interface RequestFacts {
  readonly method: string;
  /** The path with its query string, as HTTP's request target (`/api/items?page=2`). */
  readonly path: string;
  header(name: string): string | undefined;
}

type Test = (value: string | undefined) => boolean;

/**
 * A string match as Envoy's route match reads it (envoy/config/route/v3/route_components.proto, `RouteMatch`):
 * `exact` and `regex` see the path without its query string, `prefix` the whole request target; a regex must match
 * the whole value (RE2's FullMatch, as `safe_regex`), never a part of it. The schema already refused unsafe regexes.
 */
function compileString(match: StringMatch, stripQuery: boolean): Test {
  const view = (value: string) => (stripQuery ? (value.split("?", 1)[0] ?? value) : value);
  if ("exact" in match) return (value) => value !== undefined && view(value) === match.exact;
  if ("prefix" in match) return (value) => value?.startsWith(match.prefix) === true;
  const regex = new RegExp(`^(?:${match.regex})$`, "u");
  return (value) => value !== undefined && regex.test(view(value));
}

function compileMatch(match: RouteMatch): (request: RequestFacts) => boolean {
  const tests: ((request: RequestFacts) => boolean)[] = [];
  if (match.uri) {
    const uri = compileString(match.uri, true);
    tests.push((request) => uri(request.path));
  }
  if (match.method) {
    const method = match.method.exact;
    tests.push((request) => request.method.toUpperCase() === method);
  }
  for (const [name, value] of Object.entries(match.headers ?? {})) {
    const lower = name.toLowerCase();
    const test = compileString(value, false);
    tests.push((request) => test(request.header(lower)));
  }
  return (request) => tests.every((test) => test(request));
}

/** A route's matcher: any one of its matches (OR), each all of its parts (AND); no match list matches everything. */
export function compileRouteMatch(route: PolicyRoute): (request: RequestFacts) => boolean {
  if (!route.match || route.match.length === 0) return () => true;
  const matches = route.match.map(compileMatch);
  return (request) => matches.some((match) => match(request));
}
