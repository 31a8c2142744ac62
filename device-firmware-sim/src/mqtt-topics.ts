// DESIGN "Transports": a meter publishes and subscribes only under its own id.
export const readingsTopic = (meterId: string) => `feedin/v1/meters/${meterId}/readings`;
export const acksTopic = (meterId: string) => `feedin/v1/meters/${meterId}/acks`;
export const statusTopic = (meterId: string) => `feedin/v1/meters/${meterId}/status`;
