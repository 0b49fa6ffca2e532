/**
 * The per-minute cron tick (filled in by the schedules feature).
 */
export async function onCron(_controller: ScheduledController, _env: Env, _ctx: ExecutionContext): Promise<void> {}
