/** Runs grouped two levels deep (rate or scenario → variant or arm → repetitions). */
export type Grouped<T> = Record<string, Record<string, T[]>>;

/** Appends `value` under `outer` → `inner`, creating the groups on first use. */
export function addRun<T>(runs: Grouped<T>, outer: string, inner: string, value: T): void {
  const group = runs[outer] ?? {};
  runs[outer] = group;
  const list = group[inner] ?? [];
  group[inner] = list;
  list.push(value);
}
