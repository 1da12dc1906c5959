import { z } from 'zod';

// config/base/servers.yaml — tmux servers to watch beside the default one and
// `--tmux-socket`: more local sockets, and machines reached with the system `ssh`.

/** Also what session ids start with (`buildbox:%3`), so no `:` and nothing a shell or ssh would read specially. */
const ServerName = z
  .string()
  .regex(/^[A-Za-z0-9_.-]+$/, 'a server name is letters, digits, "_", "." and "-"')
  .refine((n) => n !== 'default', '"default" is the default tmux server\'s name; pick another');

export const SshHost = z
  .object({
    /** How the server is named in session ids (`buildbox:%3`). */
    name: ServerName,
    /** What `ssh` connects to: `user@host` or a Host from ~/.ssh/config. */
    host: z
      .string()
      .min(1)
      .refine((h) => !h.startsWith('-'), 'a host cannot start with "-" (ssh would read it as an option)')
      .refine((h) => !/[\s\0]/.test(h), 'a host has no spaces or control characters'),
    port: z.number().int().min(1).max(65535).nullable().optional(),
    /** The remote `tmux -L NAME`; the remote default server when absent. */
    tmux_socket: ServerName.nullable().optional(),
    /** A private key for `ssh -i`; ssh's own configuration decides when absent. */
    identity_file: z.string().min(1).nullable().optional(),
    /**
     * An ssh_config file for this host instead of ~/.ssh/config (`ssh -F`), e.g. its
     * own known_hosts or a ProxyJump. Absolute or `~/…`: there is no folder it could
     * be relative to that would not surprise someone.
     */
    ssh_config: z
      .string()
      .min(1)
      .refine((f) => f.startsWith('/') || f.startsWith('~/'), 'ssh_config is an absolute path or starts with "~/"')
      .nullable()
      .optional(),
  })
  .strict();
export type SshHost = z.infer<typeof SshHost>;

/** The port the desktop app's HTTP services take when servers.yaml turns them on without one. */
export const DEFAULT_HTTP_PORT = 7431;

/**
 * The desktop app's HTTP services (named queries, routing, metrics, workflow api
 * triggers, the JSON-RPC API): off unless enabled, on 127.0.0.1:port behind a token.
 * `architect serve` always serves them, on its own --port.
 */
export const HttpServicesSetting = z
  .object({
    enabled: z.boolean().default(false),
    port: z.number().int('a port is a whole number').min(1, 'a port is 1–65535').max(65535, 'a port is 1–65535').default(DEFAULT_HTTP_PORT),
  })
  .strict();
export type HttpServicesSetting = z.infer<typeof HttpServicesSetting>;

export const ServersFile = z
  .object({
    version: z.string(),
    http: HttpServicesSetting.default({ enabled: false, port: DEFAULT_HTTP_PORT }),
    /** Extra local `tmux -L NAME` servers, watched beside `--tmux-socket`. */
    tmux_sockets: z.array(ServerName).default([]),
    ssh_hosts: z.array(SshHost).default([]),
  })
  .strict()
  .superRefine((file, ctx) => {
    const sockets = new Set<string>();
    file.tmux_sockets.forEach((name, i) => {
      if (sockets.has(name)) ctx.addIssue({ code: 'custom', path: ['tmux_sockets', i], message: `socket "${name}" is listed twice` });
      sockets.add(name);
    });
    const hosts = new Set<string>();
    file.ssh_hosts.forEach((h, i) => {
      if (hosts.has(h.name)) ctx.addIssue({ code: 'custom', path: ['ssh_hosts', i, 'name'], message: `ssh host name "${h.name}" is used twice` });
      if (sockets.has(h.name)) {
        ctx.addIssue({ code: 'custom', path: ['ssh_hosts', i, 'name'], message: `"${h.name}" is already a local socket in tmux_sockets; session ids would clash` });
      }
      hosts.add(h.name);
    });
  });
export type ServersFile = z.infer<typeof ServersFile>;

export const NO_SERVERS: ServersFile = { version: '1.0', http: { enabled: false, port: DEFAULT_HTTP_PORT }, tmux_sockets: [], ssh_hosts: [] };
