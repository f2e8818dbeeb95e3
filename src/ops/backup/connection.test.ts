import { describe, expect, it } from 'vitest';
import { libpqTarget } from './connection.js';

describe('libpqTarget', () => {
  it('keeps the password off the command line, from the userinfo or from ?password=', () => {
    expect(libpqTarget('postgresql://app:s%3Acret@db:5433/vdp')).toEqual({
      dbname: 'postgresql://app@db:5433/vdp',
      env: { PGPASSWORD: 's:cret' },
      label: 'app@db:5433/vdp',
    });
    const queried = libpqTarget('postgresql://app@db/vdp?password=s%26cret&sslmode=require');
    expect(queried.dbname).toBe('postgresql://app@db/vdp?sslmode=require');
    expect(queried.env).toEqual({ PGPASSWORD: 's&cret' });
    expect(libpqTarget('postgresql://app:old@db/vdp?password=new').env).toEqual({ PGPASSWORD: 'new' });
    expect(libpqTarget('postgresql://app@db/vdp')).toMatchObject({ dbname: 'postgresql://app@db/vdp', env: {} });
    // Every other parameter stays as written: libpq does not read + as a space.
    const options = 'options=-c%20statement_timeout%3D0';
    expect(libpqTarget(`postgresql://app@db/vdp?${options}`).dbname).toBe(`postgresql://app@db/vdp?${options}`);
    expect(libpqTarget(`postgresql://app@db/vdp?password=x&${options}`)).toMatchObject({
      dbname: `postgresql://app@db/vdp?${options}`,
      env: { PGPASSWORD: 'x' },
    });
  });

  it("turns node-postgres's ?ssl=true into libpq's sslmode=require", () => {
    expect(libpqTarget('postgresql://app@db/vdp?ssl=true').dbname).toBe('postgresql://app@db/vdp?sslmode=require');
  });
});
