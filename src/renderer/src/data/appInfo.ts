import { useEffect, useState } from 'react';
import type { AppInfo } from '../../../shared/api';

let cached: Promise<AppInfo> | null = null;

/** The console's facts (version, read-only…): asked once per page. */
export function appInfo(): Promise<AppInfo> {
  cached ??= window.architect.app.info().catch((err: unknown) => {
    cached = null; // asked again next time (the connection may not be up yet)
    throw err;
  });
  return cached;
}

/** Whether the console was started with --read-only (null until known). */
export function useReadOnly(): boolean | null {
  const [readOnly, setReadOnly] = useState<boolean | null>(null);
  useEffect(() => {
    let live = true;
    appInfo()
      .then((info) => live && setReadOnly(info.readOnly))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, []);
  return readOnly;
}
