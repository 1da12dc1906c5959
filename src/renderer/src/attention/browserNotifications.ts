import { useEffect, useState } from 'react';
import type { DesktopNotice } from '../../../shared/attention';
import { navigate } from '../shell/route';
import { appInfo } from '../data/appInfo';

// The web console's desktop channel: the browser's Notification API. The desktop app
// shows Electron's own notifications from the main process, so there the page stays
// quiet. Permission is asked for once, when the operator says so.

const ASKED_KEY = 'architect.notifications.asked';

export type Permission = 'granted' | 'denied' | 'default' | 'unsupported';

export function permission(): Permission {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

/** Whether to offer the one-time "turn on" button: the browser can ask and was never asked. */
export function shouldOffer(): boolean {
  return permission() === 'default' && localStorage.getItem(ASKED_KEY) === null;
}

export async function askPermission(): Promise<Permission> {
  localStorage.setItem(ASKED_KEY, new Date().toISOString());
  if (permission() === 'unsupported') return 'unsupported';
  return Notification.requestPermission();
}

/** The browser may not show a notification when the page is in front; the console shows what it is about anyway. */
export function showNotice(n: DesktopNotice): Notification | null {
  if (permission() !== 'granted') return null;
  const shown = new Notification(n.title, { body: n.body, tag: `architect-${n.id}` });
  shown.onclick = () => {
    window.focus();
    if (n.sessionId) navigate('sessions', n.sessionId);
    else if (n.taskId !== null) navigate('tasks', n.taskId);
    shown.close();
  };
  return shown;
}

/** Shows every desktop notice the core sends, in the web console only. */
export function useBrowserNotifications(): void {
  const [web, setWeb] = useState(false);
  useEffect(() => {
    let alive = true;
    appInfo().then(
      (info) => alive && setWeb(info.transport === 'websocket'),
      () => undefined,
    );
    return () => {
      alive = false;
    };
  }, []);
  useEffect(() => (web ? window.architect.on('attention.notification', (n) => void showNotice(n)) : undefined), [web]);
}
