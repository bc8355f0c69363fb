/** Under CI a missing service fails its suite instead of skipping it. */
export const IN_CI = process.env.CI === 'true' || process.env.CI === '1';
