/**
 * Whole numbers with thousands separators for the pages. The first use of a number format loads
 * ICU's locale data, a task of 20–30 ms CPU in Chromium (seen in the word2vec page's trace as the
 * busiest main-thread task): the formatter is made and used once when the page loads, so no later
 * progress or result handler pays for it.
 */
const whole = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });
whole.format(1234);

export const formatInt = (n: number): string => whole.format(Math.round(n));
