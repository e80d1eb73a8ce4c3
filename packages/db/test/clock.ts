export const T = Date.UTC(2026, 10, 24, 12);
