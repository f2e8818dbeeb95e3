import { type Static, type TBoolean, Type } from '@sinclair/typebox';
import { FEATURES, type FeatureName } from '../../features.js';

const FeatureStates = Type.Object(
  Object.fromEntries(
    FEATURES.map((feature) => [feature.name, Type.Boolean({ description: `${feature.summary} (${feature.env})` })]),
  ) as Record<FeatureName, TBoolean>,
  {
    additionalProperties: false,
    description: 'Which features this server has on; a feature that is off answers 404 feature_disabled',
  },
);

export const PublicConfig = Type.Object(
  {
    features: FeatureStates,
    read_only: Type.Boolean({
      description: 'Writes answer 503 read_only right now (READ_ONLY, or the database refused a write)',
    }),
  },
  { additionalProperties: false },
);
export type PublicConfig = Static<typeof PublicConfig>;
