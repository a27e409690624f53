// CronJob schedules and whether Kubernetes takes them as spec.schedule: held against the real API server
// by tests/e2e/kubernetes-apiserver.test.ts, and against our pre-deploy check by tests/unit/cron.test.ts.
/** [schedule, whether the API server takes it] */
export const SCHEDULES: Array<[string, boolean]> = [
  ["17 3 * * *", true], ["*/15 * * * *", true], ["0 0 1 1 *", true], ["0 0 * * sun", true], ["0 0 * * MON-FRI", true],
  ["0 0 ? * *", true], ["5,10,,15 * * * *", true], ["0 0 * JAN,dec *", true], ["@daily", true], ["@hourly", true],
  ["@weekly", true], ["@every 6h", true], ["@every 1h30m", true], ["+5 * * * *", true], ["05 3 * * *", true],
  [" 17 3 * * *", true], ["17\t3 * * *", true], ["1-5/2 * * * *", true], ["0/5 * * * *", true], ["* * * * *", true],
  ["61 * * * *", false], ["17 24 * * *", false], ["0 0 0 * *", false], ["0 0 * 13 *", false], ["0 0 * * 7", false],
  ["daily", false], ["17 3 * *", false], ["17 3 * * * *", false], ["5-1 * * * *", false], ["*/0 * * * *", false],
  ["1-2-3 * * * *", false], ["1/2/3 * * * *", false], ["-1 * * * *", false], ["@every 6", false], ["@fortnightly", false],
  ["CRON_TZ=UTC 17 3 * * *", false], ["TZ=Europe/Berlin 17 3 * * *", false], ["x * * * *", false],
  ["0 0 * * funday", false], [" @daily", false], ["@daily ", false], ["*/x * * * *", false],
];
