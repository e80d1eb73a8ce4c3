export async function runActivityBench(size: number): Promise<Record<string, number>> {
  return { entries: size, pageP95Ms: -1, searchP95Ms: -1 };
}
