/** The conformance suites' pause; private to the published testing entry, which must not import the repo's test/. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
