/** The launch template of a fleet annex: our image, user data, profile, groups and tags for every instance. */

import {
  CreateLaunchTemplateCommand,
  DeleteLaunchTemplateCommand,
  DescribeLaunchTemplatesCommand,
  type EC2Client,
} from "@aws-sdk/client-ec2";
import type { LaunchTemplateRequest, LaunchTemplates } from "../../ports/ec2-fleets.ts";
import { translateLaunchError } from "./ec2-errors.ts";
import { launchData } from "./launch-data.ts";
import { errorName } from "./sdk-errors.ts";

const EXISTS = "InvalidLaunchTemplateName.AlreadyExistsException";
const MISSING = new Set([
  "InvalidLaunchTemplateName.NotFoundException",
  "InvalidLaunchTemplateId.NotFound",
]);

/** Launch templates over the SDK. */
export class AwsLaunchTemplates implements LaunchTemplates {
  constructor(private readonly ec2: EC2Client) {}

  /** Creates the template (a name already taken means a replay: its id is answered). */
  async ensure(request: LaunchTemplateRequest): Promise<string> {
    try {
      const created = await this.ec2.send(
        new CreateLaunchTemplateCommand({
          LaunchTemplateName: request.name,
          LaunchTemplateData: launchData(request),
          TagSpecifications: [{ ResourceType: "launch-template", Tags: request.tags }],
        }),
      );
      return created.LaunchTemplate?.LaunchTemplateId ?? this.idOf(request.name);
    } catch (error) {
      if (errorName(error) === EXISTS) return this.idOf(request.name);
      throw translateLaunchError(error);
    }
  }

  /** Deletes the template called `name`; a missing one is no error. */
  async delete(name: string): Promise<void> {
    try {
      await this.ec2.send(new DeleteLaunchTemplateCommand({ LaunchTemplateName: name }));
    } catch (error) {
      if (!MISSING.has(errorName(error))) throw error;
    }
  }

  private async idOf(name: string): Promise<string> {
    const answer = await this.ec2.send(
      new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: [name] }),
    );
    const id = answer.LaunchTemplates?.[0]?.LaunchTemplateId;
    if (id === undefined) throw new Error(`launch template ${name} vanished`);
    return id;
  }
}
