/** The engine answers 404 for an image or container that is not there: absence, not failure. */
export const statusOf = (e: unknown): number | undefined => (e as { statusCode?: number }).statusCode;

/** The inspected object, or null when the engine says there is no such thing. */
export async function inspectOrNull<T>(inspection: Promise<T>): Promise<T | null> {
  try {
    return await inspection;
  } catch (e) {
    if (statusOf(e) === 404) return null;
    throw e;
  }
}
