import { Dialog } from '../components/Dialog';
import { SHORTCUTS } from './shortcuts';

export function ShortcutsHelp({ open, onClose }: { open: boolean; onClose(): void }) {
  return (
    <Dialog title="Keyboard shortcuts" open={open} onClose={onClose} testId="shortcuts">
      <table className="table shortcuts">
        <tbody>
          {SHORTCUTS.map((s) => (
            <tr key={s.keys}>
              <td>
                {s.keys.split(' / ').map((k, i) => (
                  <span key={k}>
                    {i > 0 && ' or '}
                    {k.split(' ').map((part) => (
                      <kbd key={part}>{part}</kbd>
                    ))}
                  </span>
                ))}
              </td>
              <td>{s.what}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Dialog>
  );
}
