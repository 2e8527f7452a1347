/**
 * A minimal Jupyter client over ZeroMQ (messaging protocol 5.3): starts a kernel from a kernelspec
 * argv, connects shell/iopub/control, signs every message with HMAC-SHA256 and collects the
 * outputs of one execute request. The kernel binds to 127.0.0.1 only; the connection file lives
 * in the project's `.jupyter/runtime/` with mode 0600 and is removed when the kernel stops.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import * as zmq from "zeromq";

const DELIM = Buffer.from("<IDS|MSG>");

export interface Message {
  header: { msg_id: string; msg_type: string; session: string; date?: string; [k: string]: unknown };
  parent_header: { msg_id?: string; [k: string]: unknown };
  metadata: Record<string, unknown>;
  content: Record<string, any>;
}

/** nbformat 4 output. */
export type Output =
  | { output_type: "stream"; name: "stdout" | "stderr"; text: string }
  | {
      output_type: "display_data";
      data: Record<string, unknown>;
      metadata: Record<string, unknown>;
      transient?: unknown;
    }
  | {
      output_type: "execute_result";
      data: Record<string, unknown>;
      metadata: Record<string, unknown>;
      execution_count: number | null;
    }
  | { output_type: "error"; ename: string; evalue: string; traceback: string[] };

export interface ExecuteResult {
  status: "ok" | "error" | "abort" | "timeout" | "died";
  executionCount: number | null;
  outputs: Output[];
  /** Why the cell failed, for the terminal (error text from the kernel's reply and stderr). */
  errorText?: string;
}

export interface KernelOptions {
  /** kernelspec argv with the `{connection_file}` placeholder. */
  argv: string[];
  env?: Record<string, string>;
  cwd: string;
  /** folder for the connection file (inside the project). */
  runtimeDir: string;
  startTimeoutMs?: number;
}

async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<net.Server>((resolve, reject) => {
          const s = net.createServer();
          s.once("error", reject);
          s.listen(0, "127.0.0.1", () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

export function sign(key: string, parts: (string | Buffer)[]): string {
  const h = createHmac("sha256", key);
  for (const p of parts) h.update(p);
  return h.digest("hex");
}

/** Splits a multipart ZeroMQ message at the delimiter and verifies its signature. */
export function decode(key: string, frames: Buffer[]): Message {
  const i = frames.findIndex((f) => f.equals(DELIM));
  if (i < 0) throw new Error("kernel message without <IDS|MSG> delimiter");
  const [sig, header, parent, metadata, content] = frames.slice(i + 1, i + 6);
  const expect = sign(key, [header, parent, metadata, content]);
  if (sig.toString() !== expect) throw new Error("kernel message with a bad HMAC signature");
  return {
    header: JSON.parse(header.toString()),
    parent_header: JSON.parse(parent.toString()),
    metadata: JSON.parse(metadata.toString()),
    content: JSON.parse(content.toString()),
  };
}

/** Kernels started by this process and not yet stopped (killed if the runner is interrupted). */
export const liveKernels = new Set<Kernel>();

export class Kernel {
  private proc!: ChildProcess;
  private shell!: zmq.Dealer;
  private control!: zmq.Dealer;
  private iopub!: zmq.Subscriber;
  private key = randomBytes(32).toString("hex");
  private session = randomUUID();
  private connectionFile = "";
  private listeners = new Map<string, (m: Message) => void>();
  private shellWaiters = new Map<string, (m: Message) => void>();
  private exitWaiters: ((why: string) => void)[] = [];
  /** stderr of the kernel process (tslab prints startup problems there). */
  log = "";
  exited: string | undefined;

  private constructor(private opts: KernelOptions) {}

  static async start(opts: KernelOptions): Promise<Kernel> {
    const k = new Kernel(opts);
    await k.launch();
    return k;
  }

  private async launch(): Promise<void> {
    const o = this.opts;
    const [shell, iopub, stdin, control, hb] = await freePorts(5);
    fs.mkdirSync(o.runtimeDir, { recursive: true });
    this.connectionFile = path.join(o.runtimeDir, `kernel-${this.session}.json`);
    const conn = {
      transport: "tcp",
      ip: "127.0.0.1",
      key: this.key,
      signature_scheme: "hmac-sha256",
      shell_port: shell,
      iopub_port: iopub,
      stdin_port: stdin,
      control_port: control,
      hb_port: hb,
      kernel_name: "optbook",
    };
    fs.writeFileSync(this.connectionFile, JSON.stringify(conn), { mode: 0o600 });
    const argv = o.argv.map((a) => a.replace("{connection_file}", this.connectionFile));
    this.proc = spawn(argv[0], argv.slice(1), {
      cwd: o.cwd,
      env: { ...process.env, ...o.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const keep = (d: Buffer) => {
      this.log = (this.log + d.toString()).slice(-20000);
    };
    this.proc.stdout!.on("data", keep);
    this.proc.stderr!.on("data", keep);
    liveKernels.add(this);
    this.proc.on("exit", (code, signal) => {
      liveKernels.delete(this);
      this.exited = `kernel process exited (${signal ?? `code ${code}`})`;
      for (const w of this.exitWaiters.splice(0)) w(this.exited);
    });

    const addr = (p: number) => `tcp://127.0.0.1:${p}`;
    this.shell = new zmq.Dealer({ linger: 0 });
    this.control = new zmq.Dealer({ linger: 0 });
    this.iopub = new zmq.Subscriber({ linger: 0 });
    this.shell.connect(addr(shell));
    this.control.connect(addr(control));
    this.iopub.connect(addr(iopub));
    this.iopub.subscribe();
    void this.pump(this.iopub, (m) => this.listeners.get(m.parent_header.msg_id ?? "")?.(m));
    void this.pump(this.shell, (m) => this.shellWaiters.get(m.parent_header.msg_id ?? "")?.(m));
    void this.pump(this.control, (m) => this.shellWaiters.get(m.parent_header.msg_id ?? "")?.(m));

    // Wait until a kernel_info round trip works on both shell and iopub (ZeroMQ subscriptions
    // are established asynchronously, so the first iopub messages can be lost).
    const deadline = Date.now() + (o.startTimeoutMs ?? 180_000);
    while (true) {
      if (this.exited) throw new Error(`${this.exited} during startup:\n${this.log}`);
      if (Date.now() > deadline) {
        this.kill();
        throw new Error(
          `kernel did not answer kernel_info within ${(o.startTimeoutMs ?? 180_000) / 1000} s:\n${this.log}`,
        );
      }
      const id = this.send(this.shell, "kernel_info_request", {});
      let sawIopub = false;
      this.listeners.set(id, () => {
        sawIopub = true;
      });
      const reply = await this.waitShell(id, 2000);
      if (reply) {
        const t = Date.now();
        while (!sawIopub && Date.now() - t < 1000 && !this.exited) await sleep(20);
      }
      this.listeners.delete(id);
      if (reply && sawIopub) return;
    }
  }

  private async pump(sock: zmq.Dealer | zmq.Subscriber, on: (m: Message) => void): Promise<void> {
    try {
      for await (const frames of sock) {
        let m: Message;
        try {
          m = decode(this.key, frames as Buffer[]);
        } catch (e) {
          process.stderr.write(`optbook: dropped a kernel message: ${(e as Error).message}\n`);
          continue;
        }
        on(m);
      }
    } catch {
      /* socket closed */
    }
  }

  private send(sock: zmq.Dealer, msgType: string, content: object): string {
    const header = {
      msg_id: randomUUID(),
      msg_type: msgType,
      session: this.session,
      username: "optbook",
      date: new Date().toISOString(),
      version: "5.3",
    };
    const parts = [JSON.stringify(header), "{}", "{}", JSON.stringify(content)];
    void sock.send([DELIM, sign(this.key, parts), ...parts]).catch(() => {});
    return header.msg_id;
  }

  private waitShell(id: string, timeoutMs: number): Promise<Message | undefined> {
    return new Promise((resolve) => {
      const done = (m: Message | undefined) => {
        clearTimeout(timer);
        this.shellWaiters.delete(id);
        this.exitWaiters = this.exitWaiters.filter((w) => w !== onExit);
        resolve(m);
      };
      const onExit = () => done(undefined);
      const timer = setTimeout(() => done(undefined), timeoutMs);
      this.shellWaiters.set(id, done);
      this.exitWaiters.push(onExit);
    });
  }

  /**
   * Runs one cell. Resolves when the kernel's execute_reply and its "idle" status both arrived,
   * the cell ran past `timeoutMs` (the kernel is then interrupted; the caller should restart it),
   * or the kernel process died.
   */
  execute(code: string, timeoutMs: number): Promise<ExecuteResult> {
    const outputs: Output[] = [];
    const displays = new Map<string, Output[]>();
    let reply: Message | undefined;
    let idle = false;
    return new Promise((resolve) => {
      if (this.exited) {
        resolve({ status: "died", executionCount: null, outputs, errorText: this.exited });
        return;
      }
      const id = this.send(this.shell, "execute_request", {
        code,
        silent: false,
        store_history: true,
        user_expressions: {},
        allow_stdin: false,
        stop_on_error: true,
      });
      const finish = (status: ExecuteResult["status"], errorText?: string) => {
        clearTimeout(timer);
        this.listeners.delete(id);
        this.shellWaiters.delete(id);
        this.exitWaiters = this.exitWaiters.filter((w) => w !== onExit);
        resolve({ status, executionCount: (reply?.content.execution_count as number) ?? null, outputs, errorText });
      };
      const maybeDone = () => {
        if (!reply || !idle) return;
        const st = reply.content.status as string;
        if (st === "ok") return finish("ok");
        const stderr = outputs
          .filter((o) => o.output_type === "stream" && o.name === "stderr")
          .map((o) => (o as { text: string }).text)
          .join("");
        const errs = outputs
          .filter((o) => o.output_type === "error")
          .map((o) => {
            const e = o as { ename: string; evalue: string; traceback: string[] };
            return [`${e.ename}: ${e.evalue}`, ...e.traceback].join("\n");
          });
        const fromReply = reply.content.ename ? `${reply.content.ename}: ${reply.content.evalue}` : "";
        finish(
          st === "abort" ? "abort" : "error",
          [fromReply, ...errs, stderr].filter(Boolean).join("\n").trim() || `execute_reply status ${st}`,
        );
      };
      const onExit = (why: string) => finish("died", `${why}\n${this.log.slice(-4000)}`);
      this.exitWaiters.push(onExit);
      const timer = setTimeout(() => finish("timeout", `cell did not finish within ${timeoutMs / 1000} s`), timeoutMs);
      this.shellWaiters.set(id, (m) => {
        reply = m;
        maybeDone();
      });
      this.listeners.set(id, (m) => {
        const c = m.content;
        switch (m.header.msg_type) {
          case "status":
            if (c.execution_state === "idle") {
              idle = true;
              maybeDone();
            }
            break;
          case "stream": {
            const last = outputs[outputs.length - 1];
            if (last && last.output_type === "stream" && last.name === c.name) last.text += c.text;
            else outputs.push({ output_type: "stream", name: c.name, text: c.text });
            break;
          }
          case "display_data": {
            const o: Output = { output_type: "display_data", data: c.data ?? {}, metadata: c.metadata ?? {} };
            outputs.push(o);
            const did = c.transient?.display_id as string | undefined;
            if (did) displays.set(did, [...(displays.get(did) ?? []), o]);
            break;
          }
          case "update_display_data": {
            for (const o of displays.get(c.transient?.display_id) ?? []) {
              (o as { data: unknown }).data = c.data ?? {};
              (o as { metadata: unknown }).metadata = c.metadata ?? {};
            }
            break;
          }
          case "execute_result":
            outputs.push({
              output_type: "execute_result",
              data: c.data ?? {},
              metadata: c.metadata ?? {},
              execution_count: c.execution_count ?? null,
            });
            break;
          case "error":
            outputs.push({ output_type: "error", ename: c.ename, evalue: c.evalue, traceback: c.traceback ?? [] });
            break;
          case "clear_output":
            outputs.length = 0;
            break;
        }
      });
    });
  }

  /** SIGINT, as Jupyter's "interrupt_mode": "signal". */
  interrupt(): void {
    if (!this.exited) this.proc.kill("SIGINT");
  }

  kill(): void {
    if (!this.exited) this.proc.kill("SIGKILL");
    this.cleanup();
  }

  /** shutdown_request on control, then SIGTERM/SIGKILL if the process lingers. */
  async shutdown(graceMs = 2000): Promise<void> {
    if (!this.exited) {
      const id = this.send(this.control, "shutdown_request", { restart: false });
      await this.waitShell(id, graceMs);
      const gone = new Promise<void>((r) => (this.exited ? r() : this.exitWaiters.push(() => r())));
      if (!this.exited) this.proc.kill("SIGTERM");
      const timer = setTimeout(() => this.proc.kill("SIGKILL"), graceMs);
      await gone;
      clearTimeout(timer);
    }
    this.cleanup();
  }

  private cleanup(): void {
    for (const s of [this.shell, this.control, this.iopub]) {
      try {
        s?.close();
      } catch {
        /* already closed */
      }
    }
    fs.rmSync(this.connectionFile, { force: true });
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
