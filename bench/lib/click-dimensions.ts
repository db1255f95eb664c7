/** The visitor dimensions the benches draw synthetic clicks from (null: unknown country, direct visit). */
export const COUNTRIES = [
  'US',
  'DE',
  'FR',
  'GB',
  'IN',
  'BR',
  'JP',
  'CA',
  'ES',
  'IT',
  'NL',
  'SE',
  'PL',
  'AU',
  'MX',
  null,
] as const;
export const REFERRERS = [
  null,
  'google.com',
  't.co',
  'news.ycombinator.com',
  'reddit.com',
  'linkedin.com',
  'facebook.com',
] as const;
export const DEVICES = ['desktop', 'mobile', 'tablet'] as const;
export const BROWSERS = ['Chrome', 'Safari', 'Firefox', 'Edge', 'Samsung Internet', 'Opera'] as const;
export const OSES = ['Windows', 'iOS', 'Android', 'macOS', 'Linux'] as const;
