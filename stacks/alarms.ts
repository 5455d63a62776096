/**
 * What an operator is woken for (README, "Runbook"): CloudWatch alarms on the dead-letter queue, the worker's
 * errors and the API's 5xx, sent to one SNS topic. Who gets them is a stage setting read when deploying:
 * AIWORKER_ALARM_EMAIL (an email subscription, confirmed from the mail AWS sends) and/or AIWORKER_ALARM_URL
 * (an HTTPS endpoint, e.g. a chat webhook), e.g. in `.env.production`.
 */
export interface AlarmTargets {
  deadLetter: sst.aws.Queue;
  workerFunctionName: $util.Input<string>;
  apiId: $util.Input<string>;
}

/** Alarm names and what they watch, also read by the tests and the runbook. */
export const alarmNames = ['DeadLettersAlarm', 'WorkerErrorsAlarm', 'Api5xxAlarm'] as const;

export function createAlarms(targets: AlarmTargets, settings: { email?: string; url?: string } = {}): sst.aws.SnsTopic {
  const topic = new sst.aws.SnsTopic('Alarms');
  if (settings.email) new aws.sns.TopicSubscription('AlarmsEmail', { topic: topic.arn, protocol: 'email', endpoint: settings.email });
  if (settings.url) new aws.sns.TopicSubscription('AlarmsUrl', { topic: topic.arn, protocol: 'https', endpoint: settings.url });

  const common = {
    period: 60,
    evaluationPeriods: 1,
    comparisonOperator: 'GreaterThanThreshold',
    treatMissingData: 'notBreaching',
    alarmActions: [topic.arn],
    okActions: [topic.arn],
  };
  new aws.cloudwatch.MetricAlarm('DeadLettersAlarm', {
    ...common,
    alarmDescription: 'Gitea jobs gave up and sit in the dead-letter queue. Runbook: README.md#dead-letters-alarm',
    namespace: 'AWS/SQS',
    metricName: 'ApproximateNumberOfMessagesVisible',
    dimensions: { QueueName: targets.deadLetter.nodes.queue.name },
    statistic: 'Maximum',
    threshold: 0,
  });
  new aws.cloudwatch.MetricAlarm('WorkerErrorsAlarm', {
    ...common,
    alarmDescription: 'The job worker failed whole invocations (crashes, timeouts). Runbook: README.md#worker-errors-alarm',
    namespace: 'AWS/Lambda',
    metricName: 'Errors',
    dimensions: { FunctionName: targets.workerFunctionName },
    statistic: 'Sum',
    threshold: 0,
  });
  new aws.cloudwatch.MetricAlarm('Api5xxAlarm', {
    ...common,
    evaluationPeriods: 5,
    datapointsToAlarm: 2,
    alarmDescription: 'The REST API answered 5xx (never expected for client input). Runbook: README.md#api-5xx-alarm',
    namespace: 'AWS/ApiGateway',
    metricName: '5xx',
    dimensions: { ApiId: targets.apiId },
    statistic: 'Sum',
    threshold: 0,
  });
  return topic;
}
