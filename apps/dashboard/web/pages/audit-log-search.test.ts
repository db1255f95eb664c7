import { describe, expect, it } from 'vitest';
import { auditLogSearch, nextPage, previousPage } from './audit-log-search.ts';

const first = auditLogSearch({});

describe('the audit log page in the URL', () => {
  it('walks Next twice and Previous twice back to the first page', () => {
    const second = nextPage(first, '900');
    const third = nextPage(second, '850');
    expect(second).toEqual({ cursor: '900', back: undefined });
    expect(third).toEqual({ cursor: '850', back: '900' });
    expect(nextPage(third, '800')).toEqual({ cursor: '800', back: '850_900' });
    expect(previousPage(third)).toEqual(second);
    expect(previousPage(second)).toEqual(first);
    expect(previousPage(first)).toBeUndefined();
  });

  it('reads back what it wrote, and a cursor typed by hand as a number', () => {
    expect(auditLogSearch({ cursor: '850', back: '900' })).toEqual({ cursor: '850', back: '900' });
    expect(auditLogSearch({ cursor: 850 })).toEqual({ cursor: '850', back: undefined });
  });

  it('opens the first page for anything that is not a cursor, whatever else the URL holds', () => {
    for (const cursor of ['not-a-cursor', '0', '-5', '1.5', '12345678901234567890', '', null, 1.5, ['900']]) {
      expect(auditLogSearch({ cursor, back: '900' }), String(cursor)).toEqual({
        cursor: undefined,
        back: undefined,
      });
    }
  });

  it('keeps only well-formed cursors of the way back, and a bounded number of them', () => {
    expect(auditLogSearch({ cursor: '850', back: '900_x_0_950' })).toEqual({
      cursor: '850',
      back: '900_950',
    });
    const long = Array.from({ length: 500 }, (_, i) => String(1000 + i)).join('_');
    expect(auditLogSearch({ cursor: '850', back: long }).back?.split('_')).toHaveLength(200);
  });
});
