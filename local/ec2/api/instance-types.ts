/** DescribeInstanceTypes over the built-in table. */

import {
  DescribeInstanceTypes$,
  type DescribeInstanceTypesRequest,
  type DescribeInstanceTypesResult,
  type InstanceTypeInfo,
} from "@aws-sdk/client-ec2";
import { applyFilters } from "../core/filters.ts";
import { paginate } from "../core/pagination.ts";
import { instanceTypes } from "../pricing.ts";
import { Ec2Error } from "../protocol/errors.ts";
import { operation } from "./operation.ts";

/** DescribeInstanceTypes. */
export const describeInstanceTypes = operation(
  DescribeInstanceTypes$,
  (_ctx, input: DescribeInstanceTypesRequest): DescribeInstanceTypesResult => {
    const unknown = (input.InstanceTypes ?? []).filter((t) => !instanceTypes.has(t));
    if (unknown.length > 0)
      throw new Ec2Error(
        "InvalidInstanceType",
        `The following supplied instance types do not exist: [${unknown.join(", ")}]`,
      );
    const names = input.InstanceTypes?.length ? input.InstanceTypes : [...instanceTypes.keys()];
    const rows = names.map((name, i) => ({ name, seq: i + 1, info: instanceTypes.get(name) }));
    const matching = applyFilters(rows, input.Filters, {
      "instance-type": (r) => r.name,
      "vcpu-info.default-vcpus": (r) => String(r.info?.vcpus),
      "memory-info.size-in-mib": (r) => String(r.info?.memoryMiB),
      "processor-info.supported-architecture": (r) => r.info?.architecture,
      "current-generation": () => "true",
    });
    const { page, nextToken } = paginate(matching, (r) => r.seq, input, { min: 5, max: 100 });
    return {
      InstanceTypes: page.map(
        ({ name, info }): InstanceTypeInfo => ({
          InstanceType: name as InstanceTypeInfo["InstanceType"],
          CurrentGeneration: true,
          SupportedUsageClasses: ["on-demand", "spot"],
          VCpuInfo: { DefaultVCpus: info?.vcpus },
          MemoryInfo: { SizeInMiB: info?.memoryMiB },
          ProcessorInfo: { SupportedArchitectures: info ? [info.architecture] : [] },
        }),
      ),
      NextToken: nextToken,
    };
  },
);
