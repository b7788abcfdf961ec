import django.utils.timezone
from django.conf import settings
from django.db import migrations, models
from django.db.models import Max, Min

# Accounts only the demo creates: together, they mark a database where an earlier version loaded the demo.
LEGACY_ACCOUNTS = ("donglian-migrant", "luohu-captain", "fengming-volunteer")
DIVISIONS = {"places.district", "places.town", "places.community"}


def legacy_demo_record(apps, schema_editor):
    """Record a demo loaded before loads were recorded: every row below the division tree is that demo's, as the
    version that loaded it deleted all of them first on every load."""
    user = apps.get_model(settings.AUTH_USER_MODEL)
    if user.objects.filter(username__in=LEGACY_ACCOUNTS).count() < len(LEGACY_ACCOUNTS):
        return
    keys = {}
    for label in ("places", "people", "party"):
        for model in apps.get_app_config(label).get_models():
            if model._meta.label_lower not in DIVISIONS:
                span = model.objects.aggregate(first=Min("pk"), last=Max("pk"))
                if span["first"] is not None:
                    keys[model._meta.label_lower] = [[span["first"], span["last"]]]
    if keys:
        apps.get_model("demo", "DemoLoad").objects.create(keys=keys)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("places", "0002_nanhai_divisions"),
        ("people", "0009_resident_phone_hash_index"),
        ("party", "0007_alter_partymember_id_number_hash_and_more"),
    ]

    operations = [
        migrations.CreateModel(
            name='DemoLoad',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('seed', models.BigIntegerField(blank=True, null=True, verbose_name='随机种子')),
                ('scale', models.FloatField(blank=True, null=True, verbose_name='人口比例')),
                ('loaded_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='加载时间')),
                ('keys', models.JSONField(default=dict, verbose_name='创建的记录')),
            ],
            options={
                'verbose_name': '演示数据加载记录',
                'verbose_name_plural': '演示数据加载记录',
                'ordering': ['-loaded_at'],
            },
        ),
        migrations.RunPython(legacy_demo_record, migrations.RunPython.noop),
    ]
